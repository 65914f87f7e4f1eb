package dev.quota.server.cli;

import java.util.List;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Help whose option and parameter lists wrap only between words. Picocli wraps where the JDK's line breaker allows, which
 * is also after a dot or a slash: "default http://127.0.0.1:8080" was shown as "http://127." and
 * "0.0.1:8080" on two lines, neither of them the URL.
 */
final class WholeWordsHelp extends Help {
  WholeWordsHelp(CommandSpec spec, ColorScheme scheme) {
    super(spec, scheme);
  }

  @Override
  public Layout createDefaultLayout() {
    return wholeWords(super.createDefaultLayout());
  }

  @Override
  public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
    return wholeWords(super.createDefaultLayout(options, positionals, scheme));
  }

  private Layout wholeWords(Layout layout) {
    Table table = new Table(colorScheme(), layout.textTable().columns());
    table.indentWrappedLines = layout.textTable().indentWrappedLines;
    return new Layout(colorScheme(), table, layout.optionRenderer(), layout.parameterRenderer());
  }

  /** A table that wraps a column's text at its last space that fits, never inside a word. */
  private static final class Table extends TextTable {
    Table(ColorScheme scheme, Column[] columns) {
      super(scheme, columns);
    }

    @Override
    public Cell putValue(int row, int col, Text value) {
      Column column = columns()[col];
      if (value == null || column.overflow != Column.Overflow.WRAP) {
        return super.putValue(row, col, value);
      }
      int indent = column.indent;
      try {
        Text rest = value;
        int at = row;
        while (true) {
          String plain = rest.plainString();
          int room = column.width - column.indent;
          int end = plain.lastIndexOf(' ', room);
          // Text that fits is written as it is; a single word wider than the column can only be cut.
          if (plain.length() <= room || end <= 0) {
            return super.putValue(at, col, rest);
          }
          Cell written = super.putValue(at, col, rest.substring(0, end));
          int next = end;
          while (next < plain.length() && plain.charAt(next) == ' ') {
            next++;
          }
          if (next == plain.length()) {
            return written;
          }
          addEmptyRow();
          at = written.row + 1;
          rest = rest.substring(next);
          // The rest goes on the next lines, indented as picocli indents a wrapped line.
          column.indent = indent + indentWrappedLines;
        }
      } finally {
        column.indent = indent;
      }
    }
  }
}
