package dev.agentbus.actors.governance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

  /**
   * For an all-ASCII text, where case-insensitive matching is plain ASCII case folding: the built-in
   * patterns 1-5 match exactly when the lower-cased text contains one of these ...
   */
  private static final String[] LITERALS = {
      "ignore previous instructions", "ignore all previous instructions", "system prompt leak",
      "system prompt override", "do anything now", "jailbreak", "persona adoption", "persona override"};

  /** ... and patterns 6 and 7 cannot match unless it contains theirs (then the pattern decides). */
  private static final String[] NEEDS = {"(note to self: ", "[inst]"};

  private final List<Pattern> patterns;
  private final List<Pattern> extras;

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
    this.extras = List.copyOf(all.subList(BUILT_IN.size(), all.size()));
  }

  Optional<Reason> check(String payloadJson) {
    if (!ascii(payloadJson)) {
      for (Pattern p : patterns) {
        if (p.matcher(payloadJson).find()) return Optional.of(DETECTED);
      }
      return Optional.empty();
    }
    // ASCII only: no character can fold onto a pattern's letter but its ASCII twin (with UNICODE_CASE,
    // U+212A KELVIN SIGN matches k and U+017F LONG S matches s; neither occurs here), so the literal
    // patterns reduce to substring tests on the lower-cased text, and the two line patterns run only
    // when their opening literal is there. Same answers as the seven regexes, a fraction of the scans.
    String lower = payloadJson.toLowerCase(Locale.ROOT);
    for (String literal : LITERALS) {
      if (lower.contains(literal)) return Optional.of(DETECTED);
    }
    for (int i = 0; i < NEEDS.length; i++) {
      if (lower.contains(NEEDS[i]) && BUILT_IN.get(5 + i).matcher(payloadJson).find()) return Optional.of(DETECTED);
    }
    for (Pattern p : extras) {
      if (p.matcher(payloadJson).find()) return Optional.of(DETECTED);
    }
    return Optional.empty();
  }

  private static boolean ascii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) return false;
    }
    return true;
  }
}
