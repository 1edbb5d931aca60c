package dev.idflow.core.internal.validation;

import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.ServiceNames;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

/**
 * The value, when present, is one of the spec's enum values: given inline ({@code value}) or one of
 * the long catalogues the spec defines ({@code catalogue}).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = OneOf.Validator.class)
public @interface OneOf {
    String[] value() default {};

    Catalogue catalogue() default Catalogue.NONE;

    String message() default "";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    enum Catalogue {
        NONE(List.of()), SERVICE_NAME(ServiceNames.ALL), FILE_LABEL(FileLabels.ALL);

        final List<String> values;

        Catalogue(List<String> values) {
            this.values = values;
        }
    }

    final class Validator implements ConstraintValidator<OneOf, String> {
        private List<String> allowed;

        @Override
        public void initialize(OneOf annotation) {
            allowed = annotation.catalogue() == Catalogue.NONE ? List.of(annotation.value()) : annotation.catalogue().values;
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            if (value == null || allowed.contains(value)) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            // the template is built from our own constants, never from the rejected value
            context.buildConstraintViolationWithTemplate("must be one of " + String.join(", ", allowed))
                    .addConstraintViolation();
            return false;
        }
    }
}
