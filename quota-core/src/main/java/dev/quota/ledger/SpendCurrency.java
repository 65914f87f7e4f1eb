package dev.quota.ledger;

import dev.quota.Budget;
import dev.quota.Policy;
import java.util.List;

/**
 * The currency of a spend, for its ledger row: a request's cost is a bare amount, which every budget
 * that applies counts in its own currency. When those budgets share one currency, the amount is in
 * it. When none applies, or budgets of different currencies do (each took the same amount as its
 * own), the amount has no one currency, and is reported apart rather than added to any.
 */
public final class SpendCurrency {
  private SpendCurrency() {}

  /** The one currency of the budgets of {@code policies} (those that apply to a spend); null if none or several. */
  public static String of(List<Policy> policies) {
    String currency = null;
    for (int i = 0; i < policies.size(); i++) {
      Budget b = policies.get(i).budget();
      if (b == null) {
        continue;
      }
      if (currency == null) {
        currency = b.currency();
      } else if (!currency.equals(b.currency())) {
        return null;
      }
    }
    return currency;
  }
}
