package io.chatgateway.bench.report;

import java.util.Arrays;

/** The median, how the harness sums up repeated measurements: one odd run moves it least. */
public final class Medians {

  private Medians() {}

  /** The middle value of {@code values}, or the mean of the two middle ones for an even count. */
  public static double of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("the median of no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
}
