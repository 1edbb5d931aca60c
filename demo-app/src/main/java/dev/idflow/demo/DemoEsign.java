package dev.idflow.demo;

import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.LocalCa;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The demo's {@code esign}: idflow's reference provider on two local CAs, "idflow demo CA" for live flows
 * and "idflow demo TEST CA" for test flows, each made on the first start and kept in the data directory
 * ({@code esign/live-ca.p12}, {@code esign/test-ca.p12}), so what one run signed still chains to the same CA
 * on the next. With {@code --storage memory} nothing is kept: the CAs live as long as the demo. The
 * keystores' password and the key that seals people's keys are derived from the demo's secret key.
 */
final class DemoEsign {
    static final String LIVE_CA_NAME = "idflow demo CA";
    static final String TEST_CA_NAME = "idflow demo TEST CA";

    /** The service and where its CAs are, for the welcome text. */
    record Made(EsignService service, LocalCa live, LocalCa test, String where) {
    }

    private DemoEsign() {
    }

    static Made make(DemoOptions options, IdflowStorage storage, byte[] secretKey) throws IOException {
        SecureRandom random = new SecureRandom();
        LocalCa live;
        LocalCa test;
        String where;
        if ("memory".equals(options.storage())) {
            live = LocalCa.generate(LIVE_CA_NAME, Instant.now(), random);
            test = LocalCa.generate(TEST_CA_NAME, Instant.now(), random);
            where = "in memory (gone when the demo stops)";
        } else {
            Path dir = DemoStorage.ownerOnlyDirectory(options.dataDir()).resolve("esign");
            char[] password = HexFormat.of().formatHex(derived(secretKey, "idflow demo esign CA keystore")).toCharArray();
            live = LocalCa.openOrCreate(dir.resolve("live-ca.p12"), password, LIVE_CA_NAME, random);
            test = LocalCa.openOrCreate(dir.resolve("test-ca.p12"), password, TEST_CA_NAME, random);
            where = dir.toString();
        }
        AesGcmSecretCipher sealing = new AesGcmSecretCipher(derived(secretKey, "idflow esign person key sealing"), random);
        return new Made(EsignService.withLocalCa(live, test, storage.personCertificates(), sealing), live, test, where);
    }

    /** A key for one purpose from the demo's secret key: one secret to keep, no key used twice. */
    private static byte[] derived(byte[] secretKey, String purpose) {
        return Crypto.hmacSha256(secretKey, purpose.getBytes(StandardCharsets.UTF_8));
    }
}
