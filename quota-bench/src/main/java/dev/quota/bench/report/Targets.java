package dev.quota.bench.report;

import java.util.ArrayList;
import java.util.List;

/** The targets, each with what this run measured and whether it was met. */
final class Targets {
  private record Target(String name, String measured, Boolean met, String gap) {}

  private final List<Target> targets = new ArrayList<>();

  /** {@code met} null means not measured in this run. */
  void add(String name, String measured, Boolean met, String gap) {
    targets.add(new Target(name, measured, met, gap));
  }

  String render() {
    StringBuilder md = new StringBuilder("## Targets\n\n| target | measured in this run | met? | by how much |\n|---|---|---|---|\n");
    for (Target t : targets) {
      md.append("| ").append(t.name).append(" | ").append(t.measured).append(" | ")
          .append(t.met == null ? "not measured" : t.met ? "**met**" : "**missed**").append(" | ")
          .append(t.gap).append(" |\n");
    }
    md.append('\n');
    return md.toString();
  }
}
