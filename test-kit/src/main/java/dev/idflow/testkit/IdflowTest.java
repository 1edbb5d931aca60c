package dev.idflow.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class with {@link IdflowExtension}: every test method gets its own idflow,
 * in-process on a free port, and may take as parameters {@link IdflowServer}, {@link TestClock},
 * {@link Mockery}, {@link SimulatedPersons}, {@link SentMessages} and {@link WebhookDeliveries}.
 * To change how idflow is built (a service of the bank's, an inactivity timeout), register the
 * extension yourself instead: {@code @RegisterExtension static IdflowExtension idflow =
 * IdflowExtension.builder().customize(b -> b.service(myService)).build();}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(IdflowExtension.class)
public @interface IdflowTest {
    /** The consumer the kit's keys belong to. */
    String consumerId() default "bank";

    /** Where idflow is mounted: the path part of {@link IdflowServer#baseUrl()}. */
    String mountPath() default "/kyc";
}
