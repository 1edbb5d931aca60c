package dev.idflow.it;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A bank's portal as the README's starter section has it: only the starter, a DataSource and application.yml. */
@SpringBootApplication
public class ItApplication {
}
