/* bench_now_ns on seL4: the substrate's clock, which under QEMU -icount
   shift=0 counts guest instructions. */
#include <caml/alloc.h>
#include <caml/mlvalues.h>
#include <substrate.h>

value bench_now_ns(value unit)
{
    (void)unit;
    return caml_copy_int64((int64_t)substrate_time_ns());
}
