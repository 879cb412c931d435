/* Test-only shim for running lstmuse.exe under Wine 8: Rust's standard library (1.78 and
 * later) takes its random bytes from ProcessPrng in bcryptprimitives.dll, which Windows 10
 * and later have and Wine 8 lacks. scripts/check_platforms.sh builds this into a
 * bcryptprimitives.dll beside the exe in a scratch folder; it never goes into a package.
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll processprng.c -ladvapi32 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom (advapi32's SystemFunction036) takes a ULONG length: fill in pieces. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
