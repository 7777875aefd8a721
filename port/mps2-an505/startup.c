/*
 * Start-up for both firmware images (bootloader and application): vector
 * table, reset handler (copy .data, zero .bss, call main), SysTick
 * millisecond clock, fault report on UART0, and the hand-over jump.
 * Compiled once per image: the bootloader's copy (EXTXIP_FW_BOOT) runs with
 * interrupts unused, so its table stops after the 16 system vectors and a
 * fault just halts (no SysTick clock, no register report).
 */
#include <stdint.h>
#include <string.h>

#include "an505.h"
#include "uart.h"

typedef void (*vector_t)(void);

extern uint32_t __stack_top;
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
int main(void);

void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void UART0_RX_Handler(void) __attribute__((weak, alias("Default_Handler")));

#ifdef EXTXIP_FW_BOOT
/* The 16 system vectors only: the bootloader enables no interrupt. */
#define VECTORS 16
#else
/* 16 system vectors + 48 external: enough for UART0 (32) and its combined
 * interrupt (42). 64 words, so any 256-byte aligned address can be VTOR;
 * the application's table sits right after its 0x200 image header. */
#define VECTORS 64
#endif
__attribute__((section(".isr_vector"), used)) const vector_t vector_table[VECTORS] = {
    [0] = (vector_t)(uintptr_t)&__stack_top,
    [1] = Reset_Handler,
    [2] = Fault_Handler,  /* NMI */
    [3] = Fault_Handler,  /* HardFault */
    [4] = Fault_Handler,  /* MemManage */
    [5] = Fault_Handler,  /* BusFault */
    [6] = Fault_Handler,  /* UsageFault */
    [7] = Fault_Handler,  /* SecureFault */
    [11] = Default_Handler, /* SVC */
    [12] = Default_Handler, /* DebugMon */
    [14] = Default_Handler, /* PendSV */
#ifndef EXTXIP_FW_BOOT
    [15] = SysTick_Handler,
    [16 + AN505_IRQ_UART0_RX] = UART0_RX_Handler,
#endif
};

void Reset_Handler(void)
{
    size_t n = (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start);
    memcpy(__data_start, __data_load, n);
    memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
    main();
    for (;;)
        __asm volatile("wfi");
}

#ifndef EXTXIP_FW_BOOT
static volatile uint64_t ms_ticks;

void SysTick_Handler(void)
{
    ms_ticks++;
}

void an505_tick_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = AN505_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint64_t an505_ms(void)
{
    uint64_t a, b;
    do { /* 64-bit read is not atomic on M33: read until stable */
        a = ms_ticks;
        b = ms_ticks;
    } while (a != b);
    return a;
}

void Fault_Handler(void)
{
    uint32_t icsr = SCB_ICSR;
    uart_init();
    uart_puts("\r\nFAULT: exception ");
    uart_put_dec(icsr & 0x1ffu);
    uart_puts(" CFSR=");
    uart_put_hex(SCB_CFSR);
    uart_puts(" HFSR=");
    uart_put_hex(SCB_HFSR);
    uart_puts(" BFAR=");
    uart_put_hex(SCB_BFAR);
    uart_puts("\r\n");
    for (;;)
        __asm volatile("wfi");
}
#else
void Fault_Handler(void)
{
    uart_puts("\r\nFAULT\r\n");
    for (;;)
        __asm volatile("wfi");
}
#endif

void Default_Handler(void)
{
    Fault_Handler();
}

void an505_jump(uint32_t vtor)
{
    __asm volatile("cpsid i" ::: "memory");
    SYST_CSR = 0;
    for (unsigned i = 0; i < 4; i++) {
        NVIC_ICER(i) = 0xffffffffu;
        NVIC_ICPR(i) = 0xffffffffu;
    }
    SCB_ICSR = 1u << 25; /* PENDSTCLR: no SysTick left pending for the next image */
    const uint32_t *vt = (const uint32_t *)(uintptr_t)vtor;
    uint32_t sp = vt[0], pc = vt[1];
    SCB_VTOR = vtor;
    /* Flash contents may just have been rewritten (upgrade): fence before running them. */
    __asm volatile("dsb\n isb" ::: "memory");
    __asm volatile("msr msp, %0\n"
                   "cpsie i\n"
                   "bx %1\n" ::"r"(sp), "r"(pc) : "memory");
    __builtin_unreachable();
}
