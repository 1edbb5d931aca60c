package dev.idflow.bench.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The liveness attempt scenario's load client: wrk cannot hand each request a session of its own, and idflow
 * limits the person's API per client address (30/s, a burst of 120: {@code Idflow.Builder.clientAddressRateLimit},
 * which the demo does not lift), which one address would hit long before the server's ceiling. So: {@code
 * connections} threads, each keeping {@value #ADDRESSES_PER_THREAD} HTTP/1.1 keep-alive connections from
 * loopback addresses of their own (127.0.0.2 and up: all of 127/8 is the loopback on Linux) and sending
 * {@code POST /liveness2/client/attempts} (a multipart body of a frame and a video, {@code Authorization: Bearer
 * <session token>}) back to back on them in turn for {@code seconds}, one session per attempt. The metric is
 * wrk's: answers with a 2xx status per second. A thread stops early when the tokens run out; the rate is
 * then over the time the threads ran.
 */
final class AttemptLoad {
    static final int ADDRESSES_PER_THREAD = 4;

    /** One run: the 2xx answers per second, how many, how many other answers or failures, over how long. */
    record Run(double rate, int ok, int errors, double seconds, boolean ranOut, String firstError) {
    }

    private AttemptLoad() {
    }

    /** {@code tokens} gives each attempt its session's token, null once there are none left. */
    static Run run(String base, Supplier<String> tokens, Seeder.Multipart body, int connections, double seconds) throws Exception {
        URI uri = URI.create(base);
        byte[] bytes = body.bytes();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger ranOut = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long[] stopped = new long[connections];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int index = c;
            Thread t = new Thread(() -> {
                Connection[] own = new Connection[ADDRESSES_PER_THREAD];
                for (int k = 0; k < own.length; k++) {
                    int n = 2 + index * ADDRESSES_PER_THREAD + k;
                    own[k] = new Connection(uri.getHost(), uri.getPort(), "127.0." + (n / 250) + "." + (n % 250 + 2));
                }
                int turn = 0;
                while (System.nanoTime() < end) {
                    String token = tokens.get();
                    if (token == null) {
                        ranOut.incrementAndGet();
                        break;
                    }
                    try {
                        Connection connection = own[turn++ % own.length];
                        int status = connection.post(uri.getHost() + ":" + uri.getPort(), "/liveness2/client/attempts",
                                token, body.contentType(), bytes);
                        if (status / 100 == 2) {
                            ok.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, "HTTP " + status + " " + connection.lastBody());
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                    }
                }
                stopped[index] = System.nanoTime();
                for (Connection connection : own) {
                    connection.close();
                }
            }, "attempt-load-" + c);
            t.start();
            threads.add(t);
        }
        long last = start;
        for (int c = 0; c < connections; c++) {
            threads.get(c).join();
            last = Math.max(last, stopped[c]);
        }
        double ran = (last - start) / 1e9;
        return new Run(ok.get() / ran, ok.get(), errors.get(), ran, ranOut.get() > 0, firstError.get());
    }

    /** One keep-alive HTTP/1.1 connection from a local address of its own; reopened when the server closes it. */
    static final class Connection {
        private final String host;
        private final int port;
        private final String localAddress;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private byte[] lastBody = new byte[0];

        Connection(String host, int port, String localAddress) {
            this.host = host;
            this.port = port;
            this.localAddress = localAddress;
        }

        int post(String hostHeader, String path, String token, String contentType, byte[] body) throws IOException {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(30_000);
                socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
                socket.connect(new InetSocketAddress(host, port), 5_000);
                in = new BufferedInputStream(socket.getInputStream(), 16384);
                out = socket.getOutputStream();
            }
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            try {
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        private int read() throws IOException {
            String status = line();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP/1.1 answer: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closing = false;
            for (String h; (h = line()) != null && !h.isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closing = true;
                }
            }
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            if (chunked) {
                for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                    copy(size, content);
                    line();
                }
                for (String trailer; (trailer = line()) != null && !trailer.isEmpty(); ) {
                    // trailers: none expected
                }
            } else if (length >= 0) {
                copy(length, content);
            } else {
                in.transferTo(content);
                closing = true;
            }
            lastBody = content.toByteArray();
            if (closing) {
                close();
            }
            return code;
        }

        private void copy(long n, ByteArrayOutputStream to) throws IOException {
            byte[] buf = new byte[8192];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    throw new IOException("the answer ended early");
                }
                to.write(buf, 0, r);
                n -= r;
            }
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder();
            for (int b; (b = in.read()) >= 0; ) {
                if (b == '\n') {
                    int len = s.length();
                    return len > 0 && s.charAt(len - 1) == '\r' ? s.substring(0, len - 1) : s.toString();
                }
                s.append((char) b);
            }
            if (s.length() == 0) {
                throw new IOException("the server closed the connection");
            }
            return s.toString();
        }

        String lastBody() {
            return new String(lastBody, StandardCharsets.UTF_8);
        }

        void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }
}
