package dev.agentbus.node.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;

/** Parses {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h} or a plain number of seconds. */
final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

  static Duration parse(String value) {
    Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a duration (e.g. 30s, 500ms, 2m)");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis = switch (unit) {
      case "ms" -> amount;
      case "m" -> amount * 60_000;
      case "h" -> amount * 3_600_000;
      default -> amount * 1_000;
    };
    return Duration.ofNanos(Math.round(millis * 1_000_000));
  }

  /** {@code 1.5 s}, {@code 250 ms}. */
  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private Durations() {}

  /** The picocli converter for duration options. */
  static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value);
    }
  }
}
