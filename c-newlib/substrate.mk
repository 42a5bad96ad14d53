# Makefile snippet for C programs on sel4-substrate.
#
#     include path/to/c-newlib/substrate.mk
#
# at the top of an ordinary Makefile makes `$(CC)` sel4-cc: every compile
# uses newlib's headers and every link produces a bootable seL4 root-task
# image (see c-newlib/sel4-cc). Boot the result with $(SEL4_RUN) IMAGE.
# The Makefile's own rules, CFLAGS, LDLIBS (-lm finds newlib's libm) and
# AR/ranlib-built archives work unchanged.

SUBSTRATE_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
CC := $(SUBSTRATE_ROOT)/c-newlib/sel4-cc
SEL4_RUN := $(SUBSTRATE_ROOT)/tools/runner/sel4-run
