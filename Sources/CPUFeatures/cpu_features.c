#include "ce_cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0, the register-state components the OS saves on a context switch. Written as raw bytes so that this
   file needs no -mxsave (it is compiled for the portable baseline like everything outside the AVX-512
   target). */
static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int ce_cpu_features(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int has_fma = (c >> 12) & 1;
    const int has_osxsave = (c >> 27) & 1;
    if (!has_osxsave) return 0;
    const unsigned long long xcr0 = read_xcr0();
    const int ymm_state = (xcr0 & 0x6) == 0x6;    /* SSE and AVX state */
    const int zmm_state = (xcr0 & 0xE6) == 0xE6;  /* plus opmask, ZMM0-15 upper halves, ZMM16-31 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int features = 0;
    if (ymm_state && has_fma && ((b >> 5) & 1)) features |= CE_CPU_AVX2;
    const unsigned int avx512_bits = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((features & CE_CPU_AVX2) && zmm_state && (b & avx512_bits) == avx512_bits) {
        features |= CE_CPU_AVX512F;
        if ((c >> 11) & 1) features |= CE_CPU_AVX512VNNI;
        unsigned int a1, b1, c1, d1;
        if (a >= 1 && __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1) && ((a1 >> 5) & 1)) features |= CE_CPU_AVX512BF16;
    }
    return features;
}
#else
int ce_cpu_features(void) { return 0; }
#endif
