package io.chatgateway.gateway.session;

import java.util.Arrays;

/**
 * Copies of small arrays with one element more or less, for the arrays the session package keeps per
 * room, profile, device and session: published whole (in a concurrent map or a volatile field), never
 * changed once published, so readers iterate them without a lock. Elements are matched by identity.
 */
final class CopyOnWriteArrays {

  private CopyOnWriteArrays() {}

  /** Where {@code item} is in {@code array} (by identity), or -1. */
  static <T> int indexOf(T[] array, T item) {
    for (int i = 0; i < array.length; i++) {
      if (array[i] == item) {
        return i;
      }
    }
    return -1;
  }

  /** A copy of {@code array} with {@code item} appended. */
  static <T> T[] plus(T[] array, T item) {
    T[] more = Arrays.copyOf(array, array.length + 1);
    more[array.length] = item;
    return more;
  }

  /** A copy of {@code array} without {@code item}; {@code array} itself when it does not hold it. */
  static <T> T[] minus(T[] array, T item) {
    int index = indexOf(array, item);
    if (index < 0) {
      return array;
    }
    T[] fewer = Arrays.copyOf(array, array.length - 1);
    System.arraycopy(array, index + 1, fewer, index, array.length - index - 1);
    return fewer;
  }
}
