package io.loyaltyengine.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a run was measured on, as the report describes it: CPU model and cores, memory, operating system, the
 * disk holding the benchmark's files, and the load average. Read from Linux's {@code /proc}, {@code /sys} and
 * {@code /etc/os-release}; what cannot be read is reported as unknown. Immutable.
 *
 * @param cpu the CPU model
 * @param cores logical cores
 * @param memory total memory, e.g. {@code 23.4 GiB}
 * @param os the distribution and kernel
 * @param disk the device and file system holding the benchmark's files, and what the kernel says of the device
 * @param load the 1, 5 and 15 minute load averages when the report was written
 */
public record Machine(String cpu, int cores, String memory, String os, String disk, String load) {
  private static final String UNKNOWN = "unknown";

  /**
   * Reads the machine's description under {@code root} (normally {@code /}).
   *
   * @param root where {@code proc}, {@code sys} and {@code etc} are found
   * @param dataDir a directory the benchmarks write their databases to (the temporary directory)
   */
  public static Machine probe(Path root, Path dataDir) {
    List<String> cpuinfo = lines(root.resolve("proc/cpuinfo"));
    String cpu = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
        .map(Machine::value).orElse(UNKNOWN);
    long processors = cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
    int cores = processors > 0 ? (int) processors : Runtime.getRuntime().availableProcessors();
    String memory = lines(root.resolve("proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
        .map(l -> String.format(Locale.ROOT, "%.1f GiB",
            Long.parseLong(value(l).replace("kB", "").strip()) / (1024.0 * 1024.0)))
        .orElse(UNKNOWN);
    String distribution = lines(root.resolve("etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
        .findFirst().map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).orElse(UNKNOWN);
    String kernel = lines(root.resolve("proc/sys/kernel/osrelease")).stream().findFirst().orElse(UNKNOWN);
    String load = lines(root.resolve("proc/loadavg")).stream().findFirst()
        .map(l -> String.join(" ", List.of(l.split(" ")).subList(0, 3))).orElse(UNKNOWN);
    return new Machine(cpu, cores, memory, distribution + ", Linux " + kernel, disk(root, dataDir), load);
  }

  /** The mount holding {@code dataDir} (the longest mount point above it) and its block device's description. */
  static String disk(Path root, Path dataDir) {
    String dir = dataDir.toAbsolutePath().normalize().toString();
    String device = null;
    String fileSystem = null;
    int longest = -1;
    for (String line : lines(root.resolve("proc/mounts"))) {
      String[] fields = line.split(" ");
      if (fields.length < 3) {
        continue;
      }
      String mountPoint = fields[1];
      boolean above = dir.equals(mountPoint) || mountPoint.equals("/")
          || dir.startsWith(mountPoint.endsWith("/") ? mountPoint : mountPoint + "/");
      if (above && mountPoint.length() > longest) {
        longest = mountPoint.length();
        device = fields[0];
        fileSystem = fields[2];
      }
    }
    if (device == null) {
      return UNKNOWN;
    }
    StringBuilder text = new StringBuilder(device).append(" (").append(fileSystem).append(')');
    if (!device.startsWith("/dev/")) {
      return text.toString();
    }
    String name = device.substring("/dev/".length());
    Path block = root.resolve("sys/block").resolve(name);
    if (!Files.isDirectory(block)) {
      // A partition: its disk is the name without the partition number (sda1 -> sda, nvme0n1p1 -> nvme0n1).
      name = name.replaceFirst("p?\\d+$", "");
      block = root.resolve("sys/block").resolve(name);
    }
    String model = lines(block.resolve("device/model")).stream().findFirst().map(String::strip).orElse("");
    if (!model.isEmpty()) {
      text.append(", model ").append(model);
    } else if (name.startsWith("vd")) {
      text.append(", virtio block device (a virtual machine's disk; the medium beneath is not visible)");
    }
    lines(block.resolve("queue/rotational")).stream().findFirst().ifPresent(r ->
        text.append(", kernel reports ").append("1".equals(r.strip()) ? "rotational" : "non-rotational"));
    return text.toString();
  }

  private static String value(String line) {
    return line.substring(line.indexOf(':') + 1).strip();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      return List.of();
    }
  }
}
