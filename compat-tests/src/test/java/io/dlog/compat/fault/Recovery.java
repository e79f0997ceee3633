package io.dlog.compat.fault;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long each fault kept partition 0 from taking writes: for every strike of the nemesis (a kill, a pause, an
 * isolation, a node stopped by a rolling restart, and the restart of a killed majority), the time from it to the
 * acknowledgement of the first send to partition 0 made after it. For a kill of the leader that is the failover time (kill to first successful
 * acks=all write). Reported, never asserted (timings depend on the machine). Pure.
 */
final class Recovery {
    private static final List<String> STRIKES = List.of("kill -9", "SIGSTOP", "isolate", "rolling restart: SIGTERM",
            "reassign p0", "p0 moved", "cancelled the move", "restart nodes");

    private Recovery() {
    }

    /** One line per strike: what it was and the time to the first acknowledged write on partition 0 after it. */
    static List<String> afterStrikes(List<Op> ops) {
        Map<String, Long> sentAt = new HashMap<>();
        for (Op op : ops) {
            if (op.type() == Op.Type.SEND) {
                sentAt.put(op.value(), op.index());
            }
        }
        List<String> lines = new ArrayList<>();
        for (Op strike : ops) {
            if (strike.type() != Op.Type.NEMESIS || STRIKES.stream().noneMatch(strike.detail()::startsWith)) {
                continue;
            }
            Op firstAck = null;
            for (Op op : ops.subList((int) strike.index() + 1, ops.size())) {
                if (op.type() == Op.Type.ACK && op.partition() == 0 && sentAt.getOrDefault(op.value(), -1L) > strike.index()) {
                    firstAck = op;
                    break;
                }
            }
            String detail = strike.detail().replaceAll(" \\[.*\\]$", "");
            lines.add(firstAck == null ? detail + ": no write to p0 acknowledged after it"
                    : String.format("%s: first write to p0 acknowledged %,d ms later", detail,
                            (firstAck.nanos() - strike.nanos()) / 1_000_000));
        }
        return lines;
    }
}
