package io.chatgateway.bench.report;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.List;

/**
 * A JSON object for result files, built on protobuf's {@link Struct} and printed by {@link
 * JsonFormat}, the JSON support the project already has. Numbers that are not finite become null.
 * Not thread-safe.
 */
public final class JsonObject {

  private final Struct.Builder fields = Struct.newBuilder();

  public JsonObject put(String name, String value) {
    fields.putFields(name, Value.newBuilder().setStringValue(value).build());
    return this;
  }

  public JsonObject put(String name, double value) {
    fields.putFields(name, number(value));
    return this;
  }

  public JsonObject put(String name, boolean value) {
    fields.putFields(name, Value.newBuilder().setBoolValue(value).build());
    return this;
  }

  public JsonObject put(String name, JsonObject value) {
    fields.putFields(name, value.toValue());
    return this;
  }

  public JsonObject putNumbers(String name, double[] values) {
    ListValue.Builder list = ListValue.newBuilder();
    for (double value : values) {
      list.addValues(number(value));
    }
    fields.putFields(name, Value.newBuilder().setListValue(list).build());
    return this;
  }

  public JsonObject putObjects(String name, List<JsonObject> values) {
    ListValue.Builder list = ListValue.newBuilder();
    values.forEach(v -> list.addValues(v.toValue()));
    fields.putFields(name, Value.newBuilder().setListValue(list).build());
    return this;
  }

  Value toValue() {
    return Value.newBuilder().setStructValue(fields).build();
  }

  private static Value number(double value) {
    return Double.isFinite(value)
        ? Value.newBuilder().setNumberValue(value).build()
        : Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
  }

  @Override
  public String toString() {
    try {
      return JsonFormat.printer().print(fields);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
