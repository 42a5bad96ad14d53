//! The C math library: what std's `f64` and `f32` methods (`ln`, `powf`,
//! `sin`, `cbrt`, ...) and C code call, from the `libm` crate (musl's
//! implementations, ported to Rust). No `errno` is set: results follow
//! C99's Annex F (infinities, NaNs), as with `-fno-math-errno`.

use core::ffi::c_int;

/// Defines `extern "C"` functions that forward to `libm` functions of the
/// same name and signature.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        #[doc = concat!("C `", stringify!($name), "` (`libm::", stringify!($name), "`).")]
        #[no_mangle]
        pub extern "C" fn $name($($arg: $ty),*) -> $ret {
            libm::$name($($arg),*)
        }
    )*};
}

forward! {
    acos(x: f64) -> f64; asin(x: f64) -> f64; atan(x: f64) -> f64; atan2(y: f64, x: f64) -> f64;
    cbrt(x: f64) -> f64; ceil(x: f64) -> f64; cos(x: f64) -> f64; cosh(x: f64) -> f64;
    erf(x: f64) -> f64; erfc(x: f64) -> f64; exp(x: f64) -> f64; exp10(x: f64) -> f64;
    exp2(x: f64) -> f64; expm1(x: f64) -> f64; fabs(x: f64) -> f64; fdim(x: f64, y: f64) -> f64;
    floor(x: f64) -> f64; fma(x: f64, y: f64, z: f64) -> f64; fmax(x: f64, y: f64) -> f64;
    fmin(x: f64, y: f64) -> f64; fmod(x: f64, y: f64) -> f64; hypot(x: f64, y: f64) -> f64;
    ilogb(x: f64) -> c_int; j0(x: f64) -> f64; j1(x: f64) -> f64; jn(n: c_int, x: f64) -> f64;
    ldexp(x: f64, n: c_int) -> f64; lgamma(x: f64) -> f64; log(x: f64) -> f64;
    log10(x: f64) -> f64; log1p(x: f64) -> f64; log2(x: f64) -> f64;
    nextafter(x: f64, y: f64) -> f64; pow(x: f64, y: f64) -> f64; remainder(x: f64, y: f64) -> f64;
    rint(x: f64) -> f64; round(x: f64) -> f64; scalbn(x: f64, n: c_int) -> f64; sin(x: f64) -> f64;
    sinh(x: f64) -> f64; sqrt(x: f64) -> f64; tan(x: f64) -> f64; tanh(x: f64) -> f64;
    tgamma(x: f64) -> f64; trunc(x: f64) -> f64; y0(x: f64) -> f64; y1(x: f64) -> f64;
    yn(n: c_int, x: f64) -> f64;
    acosf(x: f32) -> f32; asinf(x: f32) -> f32; atanf(x: f32) -> f32; atan2f(y: f32, x: f32) -> f32;
    cbrtf(x: f32) -> f32; ceilf(x: f32) -> f32; cosf(x: f32) -> f32; coshf(x: f32) -> f32;
    erff(x: f32) -> f32; erfcf(x: f32) -> f32; expf(x: f32) -> f32; exp10f(x: f32) -> f32;
    exp2f(x: f32) -> f32; expm1f(x: f32) -> f32; fabsf(x: f32) -> f32; fdimf(x: f32, y: f32) -> f32;
    floorf(x: f32) -> f32; fmaf(x: f32, y: f32, z: f32) -> f32; fmaxf(x: f32, y: f32) -> f32;
    fminf(x: f32, y: f32) -> f32; fmodf(x: f32, y: f32) -> f32; hypotf(x: f32, y: f32) -> f32;
    ilogbf(x: f32) -> c_int; ldexpf(x: f32, n: c_int) -> f32; lgammaf(x: f32) -> f32;
    logf(x: f32) -> f32; log10f(x: f32) -> f32; log1pf(x: f32) -> f32; log2f(x: f32) -> f32;
    nextafterf(x: f32, y: f32) -> f32; powf(x: f32, y: f32) -> f32;
    remainderf(x: f32, y: f32) -> f32; rintf(x: f32) -> f32; roundf(x: f32) -> f32;
    scalbnf(x: f32, n: c_int) -> f32; sinf(x: f32) -> f32; sinhf(x: f32) -> f32;
    sqrtf(x: f32) -> f32; tanf(x: f32) -> f32; tanhf(x: f32) -> f32; tgammaf(x: f32) -> f32;
    truncf(x: f32) -> f32;
}

/// C `frexp`: `x` as a fraction in [0.5, 1) times 2 to `*exp`.
///
/// # Safety
/// `exp` must be writable.
#[no_mangle]
pub unsafe extern "C" fn frexp(x: f64, exp: *mut c_int) -> f64 {
    let (f, e) = libm::frexp(x);
    // SAFETY: the caller's guarantee.
    unsafe { exp.write(e) };
    f
}

/// C `frexpf`.
///
/// # Safety
/// `exp` must be writable.
#[no_mangle]
pub unsafe extern "C" fn frexpf(x: f32, exp: *mut c_int) -> f32 {
    let (f, e) = libm::frexpf(x);
    // SAFETY: the caller's guarantee.
    unsafe { exp.write(e) };
    f
}

/// C `modf`: the fractional part, the integral one in `*ip`.
///
/// # Safety
/// `ip` must be writable.
#[no_mangle]
pub unsafe extern "C" fn modf(x: f64, ip: *mut f64) -> f64 {
    let (f, i) = libm::modf(x);
    // SAFETY: the caller's guarantee.
    unsafe { ip.write(i) };
    f
}

/// C `lgamma_r`: `lgamma`, the sign of Γ(x) in `*sign` (what std's
/// `f64::ln_gamma` calls).
///
/// # Safety
/// `sign` must be writable.
#[no_mangle]
pub unsafe extern "C" fn lgamma_r(x: f64, sign: *mut c_int) -> f64 {
    let (v, s) = libm::lgamma_r(x);
    // SAFETY: the caller's guarantee.
    unsafe { sign.write(s) };
    v
}

/// C `lgammaf_r`.
///
/// # Safety
/// `sign` must be writable.
#[no_mangle]
pub unsafe extern "C" fn lgammaf_r(x: f32, sign: *mut c_int) -> f32 {
    let (v, s) = libm::lgammaf_r(x);
    // SAFETY: the caller's guarantee.
    unsafe { sign.write(s) };
    v
}

/// C `sincos`: both at once.
///
/// # Safety
/// `s` and `c` must be writable.
#[no_mangle]
pub unsafe extern "C" fn sincos(x: f64, s: *mut f64, c: *mut f64) {
    let (sv, cv) = libm::sincos(x);
    // SAFETY: the caller's guarantee.
    unsafe {
        s.write(sv);
        c.write(cv);
    }
}
