package dev.idflow.face;

import java.nio.file.Files;
import java.nio.file.Path;

public class ProbeMain {
    static double geo(float[] p) {
        double lx=0,rx=0; for(int i=36;i<42;i++) lx+=p[2*i]; for(int i=42;i<48;i++) rx+=p[2*i]; lx/=6; rx/=6;
        return (p[60]-(lx+rx)/2)/Math.abs(rx-lx);
    }
    public static void main(String[] args) throws Exception {
        FaceEngine e = FaceEngine.shared();
        for (String a : args) {
            Picture p = Picture.decode(Files.readAllBytes(Path.of(a)));
            var boxes = e.detect(p);
            System.out.println(a + " " + p.width + "x" + p.height + " faces=" + boxes.size());
            for (var b : boxes) {
                var f = e.read(p, b, true);
                System.out.printf("  box %.0f,%.0f %.0f s=%.2f yaw=%.1f pitch=%.1f roll=%.1f eyes=%.2f/%.2f sharp=%.0f mouthOpen=%.2f mouthW=%.2f nose=%.0f,%.0f geo=%.2f%n",
                        b.x(), b.y(), b.size(), b.score(), f.yaw(), f.pitch(), f.roll(), f.leftEyeOpen(), f.rightEyeOpen(), f.sharpness(), f.mouthOpen(), f.mouthWidth(), f.points()[60], f.points()[61], geo(f.points()));
            }
        }
    }
}
