package dev.idflow.it;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A bank's portal as the README's starter section has it: only the starter, a DataSource and application.yml. */
@SpringBootApplication
public class ItApplication {
    /** To look at it by hand: the module's test classpath, then --server.port=… and the idflow.* settings. */
    public static void main(String[] args) {
        SpringApplication.run(ItApplication.class, args);
    }
}
