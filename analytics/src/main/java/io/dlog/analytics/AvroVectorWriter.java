package io.dlog.analytics;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * Writes decoded Avro values (Avro's generic representation) into the Arrow vectors {@link AvroTypes} made
 * for their schema. Stateless.
 */
final class AvroVectorWriter {
    private AvroVectorWriter() {
    }

    /**
     * Writes {@code value} (of Avro type {@code schema}) at {@code index}.
     *
     * @throws IllegalArgumentException the value does not fit the column (a decimal with more digits than declared)
     */
    static void write(FieldVector vector, int index, Object value, Schema schema) {
        if (value == null) {
            vector.setNull(index);
            return;
        }
        if (vector.getField().getMetadata().containsKey(AvroTypes.JSON_TEXT_METADATA)) {
            ((VarCharVector) vector).setSafe(index, GenericData.get().toString(value).getBytes(StandardCharsets.UTF_8));
            return;
        }
        Schema type = AvroTypes.nonNull(schema);
        switch (vector.getMinorType()) {
            case BIT -> ((BitVector) vector).setSafe(index, (Boolean) value ? 1 : 0);
            case INT -> ((IntVector) vector).setSafe(index, (Integer) value);
            case DATEDAY -> ((DateDayVector) vector).setSafe(index, (Integer) value);
            case TIMEMILLI -> ((TimeMilliVector) vector).setSafe(index, (Integer) value);
            case BIGINT -> ((BigIntVector) vector).setSafe(index, (Long) value);
            case TIMEMICRO -> ((TimeMicroVector) vector).setSafe(index, (Long) value);
            case TIMESTAMPMILLITZ, TIMESTAMPMICROTZ, TIMESTAMPMILLI, TIMESTAMPMICRO ->
                    ((TimeStampVector) vector).setSafe(index, (Long) value);
            case FLOAT4 -> ((Float4Vector) vector).setSafe(index, (Float) value);
            case FLOAT8 -> ((Float8Vector) vector).setSafe(index, (Double) value);
            // Utf8, String or an enum symbol: their text.
            case VARCHAR -> ((VarCharVector) vector).setSafe(index, value.toString().getBytes(StandardCharsets.UTF_8));
            case VARBINARY -> ((VarBinaryVector) vector).setSafe(index, bytesOf(value));
            case FIXEDSIZEBINARY -> ((FixedSizeBinaryVector) vector).setSafe(index, ((GenericFixed) value).bytes());
            case DECIMAL -> ((DecimalVector) vector).setSafe(index, decimal(vector, value));
            case DECIMAL256 -> ((Decimal256Vector) vector).setSafe(index, decimal(vector, value));
            case STRUCT -> writeRecord((StructVector) vector, index, (IndexedRecord) value, type);
            case LIST -> writeArray((ListVector) vector, index, (java.util.Collection<?>) value, type);
            case MAP -> writeMap((MapVector) vector, index, (Map<?, ?>) value, type);
            default -> throw new IllegalStateException("no Avro mapping writes " + vector.getMinorType());
        }
    }

    private static void writeRecord(StructVector struct, int index, IndexedRecord record, Schema type) {
        struct.setIndexDefined(index);
        for (Schema.Field field : type.getFields()) {
            write(struct.getChild(field.name()), index, record.get(field.pos()), field.schema());
        }
    }

    private static void writeArray(ListVector list, int index, java.util.Collection<?> items, Schema type) {
        int start = list.startNewValue(index);
        int i = 0;
        for (Object item : items) {
            write(list.getDataVector(), start + i, item, type.getElementType());
            i++;
        }
        list.endValue(index, i);
    }

    private static void writeMap(MapVector map, int index, Map<?, ?> entries, Schema type) {
        int start = map.startNewValue(index);
        StructVector pairs = (StructVector) map.getDataVector();
        VarCharVector keys = (VarCharVector) pairs.getChild(MapVector.KEY_NAME);
        FieldVector values = pairs.getChild(MapVector.VALUE_NAME);
        int i = 0;
        for (Map.Entry<?, ?> entry : entries.entrySet()) {
            pairs.setIndexDefined(start + i);
            keys.setSafe(start + i, entry.getKey().toString().getBytes(StandardCharsets.UTF_8));
            write(values, start + i, entry.getValue(), type.getValueType());
            i++;
        }
        map.endValue(index, i);
    }

    private static byte[] bytesOf(Object value) {
        if (value instanceof GenericFixed fixed) {
            return fixed.bytes();
        }
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** A decimal's unscaled two's-complement bytes (bytes or fixed) at the column's scale, checked against its precision. */
    private static BigDecimal decimal(FieldVector vector, Object value) {
        ArrowType.Decimal type = (ArrowType.Decimal) vector.getField().getType();
        byte[] bytes = bytesOf(value);
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a decimal with no bytes");
        }
        BigDecimal decimal = new BigDecimal(new BigInteger(bytes), type.getScale());
        if (decimal.precision() > type.getPrecision()) {
            throw new IllegalArgumentException("decimal " + decimal + " has more than the " + type.getPrecision()
                    + " digits of its schema");
        }
        return decimal;
    }
}
