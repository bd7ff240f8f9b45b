#!/usr/bin/env node
// Prints the compiler flags for the SIMD kernel of simdjson's On-Demand API. Unlike the DOM parser (in the shared
// library, which picks its kernel at run time), On-Demand is compiled into the addon with the kernel the compiler
// flags allow: simdjson's "haswell" one (AVX2, BMI, PCLMUL, LZCNT) when the CPU building it has those instructions,
// else the portable one (correct, several times slower). binding.gyp runs this; build.mjs records the flags beside
// the addon, and the loader refuses an addon built for instructions the CPU running it lacks.
// LZCNT is not checked: every CPU with AVX2 and BMI has it, and some hypervisors hide its flag.
import { readFileSync } from 'node:fs';

/** The CPU flags (as Linux names them) that the haswell kernel needs. */
export const HASWELL_CPU_FLAGS = ['avx2', 'bmi1', 'bmi2', 'pclmulqdq', 'popcnt'];
const HASWELL_COMPILER_FLAGS = ['-mavx2', '-mbmi', '-mbmi2', '-mpclmul', '-mlzcnt', '-mpopcnt'];

/** The CPU flags Linux reports, or an empty set elsewhere. */
export function cpuFlags() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

export function simdFlags() {
  if (process.arch !== 'x64' || process.env.PEREGRINE_NATIVE_PORTABLE === '1') return [];
  const flags = cpuFlags();
  return HASWELL_CPU_FLAGS.every((f) => flags.has(f)) ? HASWELL_COMPILER_FLAGS : [];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(simdFlags().join(' '));
