/**
 * The results report of a benchmark run: {@link io.loyaltyengine.benchmarks.report.ResultsReport} turns JMH's JSON
 * into a markdown table of the machine ({@link io.loyaltyengine.benchmarks.report.Machine}), the issue targets and
 * the engine's figures beside their baselines.
 */
package io.loyaltyengine.benchmarks.report;
