package dev.idflow.core.internal.validation;

import dev.idflow.core.api.ApiException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Hibernate Validator, configured without Jakarta EL (so hosts need no EL implementation and get no
 * clash with theirs), reporting violations by their JSON names: {@code template.pipeline[0].max_retries}.
 */
public final class InputValidator {
    private final Validator validator;

    public InputValidator() {
        this.validator = Validation.byProvider(HibernateValidator.class)
                .configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .propertyNodeNameProvider(property -> snakeCase(property.getName()))
                .buildValidatorFactory()
                .getValidator();
    }

    /** Throws a 422 naming every broken field and rule, sorted by field, when {@code value} is invalid. */
    public <T> T check(T value, String prefix) {
        Set<ConstraintViolation<T>> violations = validator.validate(value);
        if (!violations.isEmpty()) {
            String message = violations.stream()
                    .map(v -> join(prefix, path(v.getPropertyPath())) + ": " + v.getMessage())
                    .sorted(Comparator.naturalOrder())
                    .collect(Collectors.joining("; "));
            throw ApiException.invalid(message);
        }
        return value;
    }

    /** The violations as text, for host-side checks (template registration) that are not HTTP. */
    public <T> String problems(T value) {
        return validator.validate(value).stream()
                .map(v -> path(v.getPropertyPath()) + ": " + v.getMessage())
                .sorted().collect(Collectors.joining("; "));
    }

    private static String join(String prefix, String path) {
        if (prefix == null || prefix.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? prefix : prefix + "." + path;
    }

    static String path(Path path) {
        StringBuilder out = new StringBuilder();
        for (Path.Node node : path) {
            if (node.isInIterable()) {
                out.append('[').append(node.getIndex() != null ? node.getIndex() : node.getKey()).append(']');
            }
            String name = node.getName();
            if (name != null && !name.startsWith("<")) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(name);
            }
        }
        return out.toString();
    }

    public static String snakeCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
