; rtnova latency probe: a guest with no operating system that measures how
; long each of its vCPUs is kept from running.
;
; Boots from a raw disk under SeaBIOS. The boot sector loads the rest of
; the image, switches to 32-bit protected mode, wakes every application
; processor with INIT/SIPI and then every vCPU spins on rdtsc. The gap
; between two consecutive reads is the time the vCPU did not run (a host
; interruption) plus the few cycles of the loop itself. Per window each
; vCPU prints one line on COM1:
;
;   rtnova-probe v1 cpu=A window=W cycles=C samples=S max=M hist=L:N,...
;
; A = APIC ID, C = TSC cycles the window lasted, S = gaps measured,
; M = largest gap in cycles, hist = non-empty buckets as
; <lowest gap of the bucket in cycles>:<gaps in it>. Buckets are quarter
; octaves: gaps below 8 cycles are exact, a gap g >= 8 with highest set
; bit m falls in bucket 4*(m-1) + the two bits below m. Cycles stay
; cycles: the host converts with the TSC frequency KVM gives the guest.
;
; Build: nasm -f bin -o probe.img probe.asm

bits 16
org 0x7c00

PERCPU_BASE     equ 0x20000     ; per-vCPU data + stack, below 1 MiB
PERCPU_SIZE     equ 0x1000
MAX_CPUS        equ 64
HIST_BUCKETS    equ 256
LAPIC_ICR_LO    equ 0xfee00300
LAPIC_ICR_HI    equ 0xfee00310
COM1            equ 0x3f8

; per-vCPU fields (offsets from the vCPU's base, held in edi)
PC_APIC         equ 0
PC_WINDOW       equ 4
PC_PREV         equ 8
PC_START        equ 16
PC_MAX          equ 24
PC_SAMPLES      equ 32
PC_CYCLES       equ 40
PC_HIST         equ 64

boot:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        ; SeaBIOS passes the boot drive in dl; read sectors 2.. to 0x7e00
        mov ah, 0x02
        mov al, LOAD_SECTORS
        mov ch, 0
        mov cl, 2
        mov dh, 0
        mov bx, 0x7e00
        int 0x13
        jc disk_error
        jmp 0:stage2

disk_error:
        mov si, msg_disk
.next:  lodsb
        test al, al
        jz .halt
        mov dx, COM1
        out dx, al
        jmp .next
.halt:  hlt
        jmp .halt

msg_disk: db 'rtnova-probe v1 error=disk-read', 13, 10, 0

        ; One MBR partition entry (type 0xda, non-file-system data, LBA 1
        ; to the end of the 1 MiB disk). Image inspectors take a sector
        ; ending in 0xaa55 for a partitioned disk and refuse one without
        ; partitions: nova does so on every image it downloads
        ; (oslo.utils format_inspector, "GPT MBR has no partitions
        ; defined"), so without this the probe cannot boot through nova.
        times 446 - ($ - $$) db 0
        db 0x00, 0xfe, 0xff, 0xff       ; not active; CHS start: use LBA
        db 0xda, 0xfe, 0xff, 0xff       ; type; CHS end: use LBA
        dd 1, 2047                      ; first LBA, sectors
        times 510 - ($ - $$) db 0
        dw 0xaa55

; ---- second stage (16-bit), loaded at 0x7e00 --------------------------

stage2:
        ; no interrupts reach the guest: mask both PICs
        mov al, 0xff
        out 0xa1, al
        out 0x21, al
        ; COM1: 115200 8N1, FIFO on
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x80
        out dx, al
        mov dx, COM1
        mov al, 1
        out dx, al
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 3
        out dx, al
        mov dx, COM1 + 2
        mov al, 0xc7
        out dx, al
        ; fast A20
        in al, 0x92
        or al, 2
        and al, 0xfe
        out 0x92, al
        o32 lgdt [gdt_desc]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm_bsp

; the host writes the window length (TSC cycles) and the number of vCPUs
; after this marker
        align 8
params:
        db 'RTNPARAM'
window_cycles:
        dq 0x100000000
expected_cpus:
        dd 1

        align 8
gdt:
        dq 0
        dq 0x00cf9a000000ffff           ; 0x08: flat 32-bit code
        dq 0x00cf92000000ffff           ; 0x10: flat 32-bit data
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt

; ---- AP trampoline: 4 KiB aligned, below 1 MiB (SIPI vector 0x08) -----

        times 0x400 - ($ - $$) db 0
ap_trampoline:                          ; runs at 0800:0000 in real mode
        cli
        xor ax, ax
        mov ds, ax
        o32 lgdt [gdt_desc]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm_ap

SIPI_VECTOR     equ (ap_trampoline - $$ + 0x7c00) >> 12

; ---- 32-bit code shared by every vCPU ---------------------------------

bits 32

%macro SEGMENTS 0
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
%endmacro

; take the next vCPU index; set edi (per-vCPU base) and the stack.
; A vCPU beyond MAX_CPUS parks.
%macro PERCPU_SETUP 0
        mov eax, 1
        lock xadd [next_index], eax
        cmp eax, MAX_CPUS
        jae park
        shl eax, 12
        lea edi, [eax + PERCPU_BASE]
        lea esp, [edi + PERCPU_SIZE]
%endmacro

pm_bsp:
        SEGMENTS
        PERCPU_SETUP
        call cpu_hello
        ; INIT, then two SIPIs, to all but this vCPU
        mov dword [LAPIC_ICR_HI], 0
        mov dword [LAPIC_ICR_LO], 0x000c4500
        mov ecx, 1 << 25
        call delay
        mov dword [LAPIC_ICR_LO], 0x000c4600 | SIPI_VECTOR
        mov ecx, 1 << 20
        call delay
        mov dword [LAPIC_ICR_LO], 0x000c4600 | SIPI_VECTOR
        call wait_for_aps
        call lock_acquire
        mov esi, str_prefix
        call puts
        mov esi, str_cpus
        call puts
        mov eax, [next_index]
        xor edx, edx
        call putu64
        mov esi, str_wcycles
        call puts
        mov eax, [window_cycles]
        mov edx, [window_cycles + 4]
        call putu64
        call crlf
        call lock_release
        jmp measure

pm_ap:
        SEGMENTS
        PERCPU_SETUP
        call cpu_hello
        jmp measure

; wait until expected_cpus vCPUs took an index, or about 2**35 cycles
; (10+ s: a vCPU whose pCPU is busy may start late)
wait_for_aps:
        mov ebx, 256
.again:
        mov eax, [next_index]
        cmp eax, [expected_cpus]
        jae .done
        mov ecx, 1 << 27
        call delay
        dec ebx
        jnz .again
.done:
        ret

park:
        cli
        hlt
        jmp park

cpu_hello:
        mov eax, 1
        cpuid
        shr ebx, 24
        mov [edi + PC_APIC], ebx
        mov dword [edi + PC_WINDOW], 0
        call lock_acquire
        mov esi, str_prefix
        call puts
        call put_cpu
        mov esi, str_up
        call puts
        call crlf
        call lock_release
        ret

; ---- the measurement ----------------------------------------------------

measure:
        call window_reset
.spin:
        rdtsc
        mov ebp, eax                    ; now, low
        mov ebx, edx                    ; now, high
        sub eax, [edi + PC_PREV]
        sbb edx, [edi + PC_PREV + 4]    ; edx:eax = gap
        mov [edi + PC_PREV], ebp
        mov [edi + PC_PREV + 4], ebx
        cmp edx, [edi + PC_MAX + 4]
        jb .bucket
        ja .newmax
        cmp eax, [edi + PC_MAX]
        jbe .bucket
.newmax:
        mov [edi + PC_MAX], eax
        mov [edi + PC_MAX + 4], edx
.bucket:
        test edx, edx
        jnz .big
        cmp eax, 8
        jb .small
        bsr esi, eax                    ; m
        lea ecx, [esi - 2]
        shr eax, cl                     ; 4..7: top three bits
        lea esi, [esi * 4 + eax - 8]    ; 4*(m-1) + (eax - 4)
        jmp .count
.small:
        mov esi, eax
        jmp .count
.big:
        bsr esi, edx
        add esi, 32                     ; m
        lea ecx, [esi - 2]
        cmp ecx, 32
        jae .big2
        shrd eax, edx, cl
        jmp .big3
.big2:
        sub ecx, 32
        mov eax, edx
        shr eax, cl
.big3:
        and eax, 3
        lea esi, [esi * 4 + eax - 4]
.count:
        inc dword [edi + PC_HIST + esi * 4]
        add dword [edi + PC_SAMPLES], 1
        adc dword [edi + PC_SAMPLES + 4], 0
        mov eax, ebp
        mov edx, ebx
        sub eax, [edi + PC_START]
        sbb edx, [edi + PC_START + 4]   ; cycles since the window started
        cmp edx, [window_cycles + 4]
        jb .spin
        ja .done
        cmp eax, [window_cycles]
        jb .spin
.done:
        mov [edi + PC_CYCLES], eax
        mov [edi + PC_CYCLES + 4], edx
        call report
        inc dword [edi + PC_WINDOW]
        jmp measure

window_reset:
        push edi
        lea edi, [edi + PC_MAX]
        xor eax, eax
        mov ecx, (PC_HIST - PC_MAX) / 4 + HIST_BUCKETS
        rep stosd
        pop edi
        rdtsc
        mov [edi + PC_START], eax
        mov [edi + PC_START + 4], edx
        mov [edi + PC_PREV], eax
        mov [edi + PC_PREV + 4], edx
        ret

; ---- output ---------------------------------------------------------------

report:
        call lock_acquire
        mov esi, str_prefix
        call puts
        call put_cpu
        mov esi, str_window
        call puts
        mov eax, [edi + PC_WINDOW]
        xor edx, edx
        call putu64
        mov esi, str_cycles
        call puts
        mov eax, [edi + PC_CYCLES]
        mov edx, [edi + PC_CYCLES + 4]
        call putu64
        mov esi, str_samples
        call puts
        mov eax, [edi + PC_SAMPLES]
        mov edx, [edi + PC_SAMPLES + 4]
        call putu64
        mov esi, str_max
        call puts
        mov eax, [edi + PC_MAX]
        mov edx, [edi + PC_MAX + 4]
        call putu64
        mov esi, str_hist
        call puts
        call put_hist
        call crlf
        call lock_release
        ret

; non-empty buckets as <lower bound>:<count>, comma separated
put_hist:
        xor ecx, ecx                    ; bucket
        xor ebx, ebx                    ; printed any yet?
.next:
        mov eax, [edi + PC_HIST + ecx * 4]
        test eax, eax
        jz .skip
        test ebx, ebx
        jz .first
        mov al, ','
        call putc
.first:
        mov ebx, 1
        push ecx
        call bucket_low
        call putu64
        mov al, ':'
        call putc
        pop ecx
        push ecx
        mov eax, [edi + PC_HIST + ecx * 4]
        xor edx, edx
        call putu64
        pop ecx
.skip:
        inc ecx
        cmp ecx, HIST_BUCKETS
        jb .next
        ret

; edx:eax = lowest gap of bucket ecx
bucket_low:
        xor edx, edx
        mov eax, ecx
        cmp ecx, 8
        jb .ret
        and eax, 3
        add eax, 4                      ; 4 + sub-bucket
        shr ecx, 2
        dec ecx                         ; m - 2
        cmp ecx, 32
        jae .high
        shld edx, eax, cl
        shl eax, cl
        ret
.high:
        sub ecx, 32
        mov edx, eax
        shl edx, cl
        xor eax, eax
.ret:
        ret

put_cpu:
        mov esi, str_cpu
        call puts
        mov eax, [edi + PC_APIC]
        xor edx, edx
        jmp putu64

; print edx:eax in decimal
putu64:
        push ebx
        push ecx
        push esi
        xor esi, esi                    ; digits pushed
        mov ebx, 10
.div:
        mov ecx, eax
        mov eax, edx
        xor edx, edx
        div ebx                         ; high / 10
        xchg eax, ecx                   ; ecx = high quotient
        div ebx                         ; (rem:low) / 10
        push edx
        inc esi
        mov edx, ecx
        mov ecx, eax
        or ecx, edx
        jnz .div
.out:
        pop eax
        add al, '0'
        call putc
        dec esi
        jnz .out
        pop esi
        pop ecx
        pop ebx
        ret

puts:
        lodsb
        test al, al
        jz .end
        call putc
        jmp puts
.end:
        ret

crlf:
        mov al, 13
        call putc
        mov al, 10
        jmp putc

putc:
        push edx
        push eax
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

lock_acquire:
        push eax
.try:
        mov eax, 1
        xchg eax, [print_lock]
        test eax, eax
        jz .got
.wait:
        pause
        cmp dword [print_lock], 0
        jne .wait
        jmp .try
.got:
        pop eax
        ret

lock_release:
        mov dword [print_lock], 0
        ret

; spin ecx TSC cycles
delay:
        push ebx
        push edx
        push eax
        rdtsc
        mov ebx, eax
.spin:
        pause
        rdtsc
        sub eax, ebx
        cmp eax, ecx
        jb .spin
        pop eax
        pop edx
        pop ebx
        ret

; ---- data -----------------------------------------------------------------

        align 4
next_index:     dd 0
print_lock:     dd 0

str_prefix:     db 'rtnova-probe v1 ', 0
str_cpu:        db 'cpu=', 0
str_up:         db ' up', 0
str_cpus:       db 'cpus=', 0
str_wcycles:    db ' window_cycles=', 0
str_window:     db ' window=', 0
str_cycles:     db ' cycles=', 0
str_samples:    db ' samples=', 0
str_max:        db ' max=', 0
str_hist:       db ' hist=', 0

        align 512, db 0
image_end:

LOAD_SECTORS    equ (image_end - $$) / 512 - 1
