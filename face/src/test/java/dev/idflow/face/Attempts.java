package dev.idflow.face;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a liveness attempt as the hosted page sends it: a baseline frame before the first action, then
 * frames during each action, each with its {@code taken_at}, and the actions' times.
 */
final class Attempts {
    static final Instant T0 = Instant.parse("2026-03-02T09:30:00Z");
    /** Each action lasts 2 s, with 0.2 s between actions; the baseline frame is taken 0.4 s before the first. */
    static final long ACTION_MS = 2000;

    private final List<String> actions = new ArrayList<>();
    private final List<byte[]> frames = new ArrayList<>();
    private final List<Instant> taken = new ArrayList<>();
    private final ArrayNode actionTimes = new ObjectMapper().createArrayNode();
    private Instant cursor = T0.plusMillis(1000);
    private boolean withFrameTimes = true;

    /** The frame shown before the first action. */
    Attempts baseline(BufferedImage frame) {
        add(frame, cursor.minusMillis(400));
        return this;
    }

    /** One action and the frames taken while it ran, evenly spread over its second half and its end. */
    Attempts action(String action, BufferedImage... during) {
        Instant start = cursor;
        Instant end = start.plusMillis(ACTION_MS);
        actions.add(action);
        for (int i = 0; i < during.length; i++) {
            long at = ACTION_MS / 2 + (ACTION_MS / 2) * (i + 1) / during.length - 50;
            add(during[i], start.plusMillis(at));
        }
        ObjectNode a = actionTimes.addObject();
        a.put("action", action).put("started_at", start.toString()).put("ended_at", end.toString());
        cursor = end.plusMillis(200);
        return this;
    }

    Attempts withoutFrameTimes() {
        withFrameTimes = false;
        return this;
    }

    private void add(BufferedImage frame, Instant at) {
        frames.add(TestPictures.jpeg(frame));
        taken.add(at);
    }

    LivenessAnalyzer.Attempt build() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode meta = mapper.createObjectNode();
        meta.put("platform", "web").put("mobile", true).put("camera_label", "Front Camera");
        meta.set("actions", actionTimes);
        if (withFrameTimes) {
            ArrayNode f = meta.putArray("frames");
            taken.forEach(t -> f.addObject().put("taken_at", t.toString()));
        }
        List<List<String>> pipeline = actions.stream().map(List::of).toList();
        return new LivenessAnalyzer.Attempt("consumer", "person", "session", pipeline, meta, frames, false,
                cursor.plusMillis(500), T0, true, 1);
    }
}
