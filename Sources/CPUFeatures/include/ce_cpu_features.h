#ifndef CE_CPU_FEATURES_H
#define CE_CPU_FEATURES_H

/* What the running CPU and operating system support, read once with CPUID and XGETBV (x86-64); zero
   everywhere on other architectures. A feature counts only when the OS also saves its register state
   (XCR0): a CPU with AVX-512 under an OS or hypervisor that does not enable ZMM state reports none. */
enum {
    CE_CPU_AVX2 = 1 << 0,      /* AVX2 and FMA with YMM state enabled: the x86-64-v3 kernels */
    CE_CPU_AVX512F = 1 << 1,   /* F, CD, BW, DQ and VL with ZMM/mask state enabled: the x86-64-v4 kernels */
    CE_CPU_AVX512VNNI = 1 << 2,
    CE_CPU_AVX512BF16 = 1 << 3
};

/* The CE_CPU_* bits this machine supports. */
int ce_cpu_features(void);

#endif
