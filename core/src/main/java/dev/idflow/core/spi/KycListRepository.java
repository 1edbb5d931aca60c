package dev.idflow.core.spi;

import dev.idflow.core.model.KycListEntry;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A consumer's KYC lists: named sets of (field, value) that the {@code kyc-list} service checks a
 * flow's person_id, iin and phone_number against. A list exists while it holds an entry; there is
 * nothing to create or drop. One consumer never sees, matches or changes another's lists, whatever
 * the names.
 *
 * <p>Every value is taken in its stored form ({@link KycListEntry#storedForm}): exact, except that a
 * phone_number is its digits only, so "+7 701 234 5678" and "77012345678" are one entry. A field
 * other than person_id, iin or phone_number, or a list name outside {@code [a-z0-9_-]{1,64}}, throws
 * {@link IllegalArgumentException} from every method that takes one, before anything is read or written.
 *
 * <p>Orders are Java's ({@link String#compareTo}), the same on every store, whatever a database's
 * collation would say.
 */
public interface KycListRepository {

    /**
     * Puts {@code value} on the consumer's list for {@code field}: true when it was not there, false
     * when it was (then nothing changes, the first {@code addedAt} stays). Of two adds of one entry at
     * once, on any nodes, exactly one gets true.
     *
     * @throws IllegalArgumentException as {@link KycListEntry}'s constructor, for the field, the list
     *                                  name or a value no entry can hold
     */
    boolean add(String consumerId, String listName, String field, String value, Instant at);

    /**
     * Takes {@code value} off the list for {@code field}: true when it was there.
     *
     * @throws IllegalArgumentException as {@link #add}
     */
    boolean remove(String consumerId, String listName, String field, String value);

    /**
     * The names, sorted and each once, of those of {@code listNames} that hold {@code value} for
     * {@code field}. No list names → an empty list. A value no entry can hold (blank, too long, a phone
     * number without digits…) matches nothing rather than failing: it comes from a person's input.
     */
    List<String> matches(String consumerId, Collection<String> listNames, String field, String value);

    /** The entries of one list, by field then value; empty for a list that holds nothing. */
    List<KycListEntry> list(String consumerId, String listName);

    /** The names of the consumer's lists that hold at least one entry, sorted. */
    List<String> listNames(String consumerId);
}
