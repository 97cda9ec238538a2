package dev.agentbus.actors.governance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Step 3: the seven prompt-injection patterns of the original (inventory 1.8), case-insensitive, plus
 * configured extras, over the payload's JSON text. Patterns are compiled once.
 *
 * <p>The two "X .* Y" patterns are rewritten so a scan is linear: as the original's {@code X.*Y}, they
 * match when a line holds X and later Y, but they try only the first X of each line (atomic group), so a
 * 64 KiB payload repeating X without Y costs one pass instead of one pass per X. {@code UNIX_LINES}
 * makes {@code .} and {@code ^} treat only {@code \n} as a line end, as Python's {@code re} does.
 */
final class InjectionFilter {

  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNIX_LINES;

  static final List<Pattern> BUILT_IN = List.of(
      Pattern.compile("ignore (all )?previous instructions", FLAGS),
      Pattern.compile("system prompt (leak|override)", FLAGS),
      Pattern.compile("do anything now", FLAGS),
      Pattern.compile("jailbreak", FLAGS),
      Pattern.compile("persona (adoption|override)", FLAGS),
      // original: \(note to self: .*\)
      Pattern.compile("^(?>.*?\\(note to self: ).*\\)", FLAGS | Pattern.MULTILINE),
      // original: \[INST\].*\[/INST\]
      Pattern.compile("^(?>.*?\\[INST\\]).*\\[/INST\\]", FLAGS | Pattern.MULTILINE));

  static final Reason DETECTED = new Reason(ReasonCodes.PROMPT_INJECTION, "Prompt injection attack detected");

  private final List<Pattern> patterns;

  /** @throws IllegalArgumentException if an extra pattern is not a valid regex (fail at start, not per message) */
  InjectionFilter(List<String> extraPatterns) {
    List<Pattern> all = new ArrayList<>(BUILT_IN);
    for (String extra : extraPatterns) {
      try {
        all.add(Pattern.compile(extra, FLAGS));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("Invalid extra injection pattern: " + e.getDescription(), e);
      }
    }
    this.patterns = List.copyOf(all);
  }

  Optional<Reason> check(String payloadJson) {
    for (Pattern p : patterns) {
      if (p.matcher(payloadJson).find()) return Optional.of(DETECTED);
    }
    return Optional.empty();
  }
}
