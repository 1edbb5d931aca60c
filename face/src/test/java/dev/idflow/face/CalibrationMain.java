package dev.idflow.face;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints the similarities MODELS.md's threshold is calibrated on: run by hand (see MODELS.md). */
public class CalibrationMain {
    public static void main(String[] args) throws Exception {
        OnnxFaceMatcher m = new OnnxFaceMatcher();
        Map<String, List<byte[]>> people = new LinkedHashMap<>();
        Map<String, BufferedImage> originals = new LinkedHashMap<>();
        originals.put("grace", TestPictures.load(TestPictures.GRACE_HOPPER));
        originals.put("man", TestPictures.load(TestPictures.MAN));
        originals.put("lena", TestPictures.load(TestPictures.LENA));
        originals.put("julia", TestPictures.load(TestPictures.JULIA));
        BufferedImage four = TestPictures.load(TestPictures.FOUR_FACES);
        originals.put("q1", TestPictures.crop(four, 0, 0, 100, 100));
        originals.put("q2", TestPictures.crop(four, 100, 0, 100, 100));
        originals.put("q3", TestPictures.crop(four, 0, 100, 100, 100));
        originals.put("q4", TestPictures.crop(four, 100, 100, 100, 100));
        for (var e : originals.entrySet()) {
            BufferedImage img = e.getValue();
            Picture p = Picture.of(img);
            var box = FaceEngine.shared().detect(p).get(0);
            double cx = box.cx(), cy = box.cy();
            List<BufferedImage> variants = new ArrayList<>();
            variants.add(img);
            double s = 200.0 / box.size();
            variants.add(TestPictures.frame(img, 640, 480, cx, cy, s, 0, 0, 0, 1f));
            variants.add(TestPictures.frame(img, 640, 480, cx, cy, s * 1.5, 60, -30, 0, 1f));
            variants.add(TestPictures.frame(img, 640, 480, cx, cy, s * 0.7, -80, 40, 8, 1f));
            variants.add(TestPictures.frame(img, 640, 480, cx, cy, s, 0, 0, -8, 1.3f));
            variants.add(TestPictures.frame(img, 640, 480, cx, cy, s, 0, 0, 0, 0.7f));
            variants.add(TestPictures.mirror(img));
            List<byte[]> t = new ArrayList<>();
            for (BufferedImage v : variants) {
                var found = m.face(TestPictures.jpeg(v));
                if (found.faces() != 1) {
                    System.out.println(e.getKey() + " variant " + t.size() + " faces=" + found.faces());
                    t.add(null);
                    continue;
                }
                t.add(found.template());
            }
            people.put(e.getKey(), t);
        }
        double sameMin = 1, diffMax = 0;
        for (var a : people.entrySet()) {
            StringBuilder sb = new StringBuilder(a.getKey() + " same:");
            List<byte[]> ta = a.getValue();
            for (int i = 1; i < ta.size(); i++) {
                if (ta.get(0) == null || ta.get(i) == null) continue;
                double sim = m.similarity(ta.get(0), ta.get(i));
                sameMin = Math.min(sameMin, sim);
                sb.append(String.format(" %.3f", sim));
            }
            System.out.println(sb);
            for (var b : people.entrySet()) {
                if (b.getKey().compareTo(a.getKey()) <= 0) continue;
                double max = 0;
                for (byte[] x : a.getValue()) for (byte[] y : b.getValue()) if (x != null && y != null) max = Math.max(max, m.similarity(x, y));
                diffMax = Math.max(diffMax, max);
                System.out.printf("  vs %s max %.3f%n", b.getKey(), max);
            }
        }
        System.out.printf("same min %.3f, different max %.3f%n", sameMin, diffMax);
    }
}
