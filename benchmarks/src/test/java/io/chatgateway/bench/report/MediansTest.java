package io.chatgateway.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MediansTest {

  @Test
  void anOddCountGivesTheMiddleValueWhateverTheOrder() {
    assertEquals(0.43, Medians.of(0.43, 0.57, 0.38));
    assertEquals(2.0, Medians.of(5.0, 2.0, 1.0));
  }

  @Test
  void anEvenCountGivesTheMeanOfTheTwoMiddleValues() {
    assertEquals(2.5, Medians.of(4.0, 1.0, 3.0, 2.0));
  }

  @Test
  void theCallersValuesAreLeftAsTheyWere() {
    double[] values = {3.0, 1.0, 2.0};
    Medians.of(values);
    assertArrayEquals(new double[] {3.0, 1.0, 2.0}, values);
  }

  @Test
  void noValuesHaveNoMedian() {
    assertThrows(IllegalArgumentException.class, Medians::of);
  }
}
