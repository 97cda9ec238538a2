package dev.agentbus.node.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the numbers were measured on: the {@code machine} object of the report. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(String database) {
    Runtime rt = Runtime.getRuntime();
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", Instant.now().toString());
    m.put("cpus", rt.availableProcessors());
    m.put("memoryMb", totalMemoryMb(os));
    m.put("loadAverage", os.getSystemLoadAverage());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + os.getArch());
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("javaVendor", System.getProperty("java.vendor"));
    m.put("maxHeapMb", rt.maxMemory() / (1024 * 1024));
    m.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    m.put("jvmArgs", args);
    m.put("database", database);
    return m;
  }

  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static long totalMemoryMb(OperatingSystemMXBean os) {
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize() / (1024 * 1024);
    }
    return -1;
  }

  /** CPU time of this process so far, or 0 when the JVM does not say. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.max(0, sun.getProcessCpuTime());
    }
    return 0;
  }
}
