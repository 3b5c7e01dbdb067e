package io.loyaltyengine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pure benchmarks read their inputs from fields the JIT cannot take as constants (JMH's advice, sample 10): a
 * final field of a primitive type or String set to a constant expression is a constant variable, which javac copies
 * into every method reading it, so the measured code would check a value known when it was compiled.
 */
class PureBenchmarkInputsTest {
  @Test
  void theirInputsAreNotFinal() {
    List<String> finals = new ArrayList<>();
    for (Class<?> bench : List.of(AwardDecisionBenchmark.class, ReferralCodeBenchmark.class)) {
      for (Field field : bench.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers()) && Modifier.isFinal(field.getModifiers())) {
          finals.add(bench.getSimpleName() + "." + field.getName());
        }
      }
    }
    assertEquals(List.of(), finals);
  }
}
