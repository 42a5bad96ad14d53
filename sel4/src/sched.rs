//! Scheduling contexts on MCS kernels (`cfg(sel4_mcs)`): a thread runs only
//! while it has a scheduling context with budget left, configured through
//! the scheduling-control capability of a core ([`crate::BootInfo::sched_control`]).
//!
//! Times are in microseconds, as the kernel's interface takes and returns them.

use crate::capability::cap;
use crate::{sys, CPtr, Error, Result, Word};

/// A budget of CPU time per period, as [`cap::SchedControl::configure`]
/// applies it to a scheduling context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedParams {
    /// Microseconds of CPU time per period.
    pub budget_us: u64,
    /// The period in microseconds; equal to the budget for a thread that
    /// round-robins with others of its priority like on a non-MCS kernel.
    pub period_us: u64,
    /// Refills beyond the minimum (sporadic servers); 0 for most threads.
    pub extra_refills: Word,
    /// The badge timeout faults of threads running on the context carry.
    pub badge: Word,
}

impl SchedParams {
    /// `budget_us` of CPU time every `period_us`, no extra refills, badge 0.
    pub const fn new(budget_us: u64, period_us: u64) -> Self {
        Self {
            budget_us,
            period_us,
            extra_refills: 0,
            badge: 0,
        }
    }

    /// The same parameters with timeout faults carrying `badge`.
    pub const fn with_badge(mut self, badge: Word) -> Self {
        self.badge = badge;
        self
    }
}

impl cap::SchedControl {
    /// Sets the budget, period, extra refills and badge of `sc`
    /// (`seL4_SchedControl_ConfigureFlags` with no flags, or
    /// `seL4_SchedControl_Configure` on kernels without flags). A context
    /// bound to a runnable thread takes effect at once.
    pub fn configure(self, sc: cap::SchedContext, params: SchedParams) -> Result<()> {
        // SAFETY: no pointers.
        #[cfg(sel4_has = "SchedControl_ConfigureFlags")]
        let code = unsafe {
            sys::seL4_SchedControl_ConfigureFlags(
                self.cptr(),
                sc.cptr(),
                params.budget_us as _,
                params.period_us as _,
                params.extra_refills as _,
                params.badge as _,
                0,
            )
        };
        // SAFETY: no pointers.
        #[cfg(not(sel4_has = "SchedControl_ConfigureFlags"))]
        let code = unsafe {
            sys::seL4_SchedControl_Configure(
                self.cptr(),
                sc.cptr(),
                params.budget_us as _,
                params.period_us as _,
                params.extra_refills as _,
                params.badge as _,
            )
        };
        Error::check(code)
    }
}

impl cap::SchedContext {
    /// Binds the context to a thread (which then runs on it) or to a
    /// notification (whose passive waiters receive it)
    /// (`seL4_SchedContext_Bind`).
    pub fn bind(self, object: CPtr) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe { sys::seL4_SchedContext_Bind(self.cptr(), object) })
    }

    /// Unbinds every thread and notification (`seL4_SchedContext_Unbind`);
    /// a thread left without a context stops running.
    pub fn unbind(self) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe { sys::seL4_SchedContext_Unbind(self.cptr()) })
    }

    /// Unbinds one thread or notification (`seL4_SchedContext_UnbindObject`).
    pub fn unbind_object(self, object: CPtr) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe { sys::seL4_SchedContext_UnbindObject(self.cptr(), object) })
    }

    /// Microseconds of CPU time consumed since the last call (or since the
    /// context was configured), which resets the count
    /// (`seL4_SchedContext_Consumed`).
    pub fn consumed(self) -> Result<u64> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_SchedContext_Consumed(self.cptr()) };
        Error::check(r.error)?;
        Ok(r.consumed as u64)
    }

    /// Runs the thread bound to the context next if its priority allows,
    /// and returns the time it consumed (`seL4_SchedContext_YieldTo`).
    pub fn yield_to(self) -> Result<u64> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_SchedContext_YieldTo(self.cptr()) };
        Error::check(r.error)?;
        Ok(r.consumed as u64)
    }
}

impl cap::Tcb {
    /// Sets the thread's maximum controlled priority, priority, scheduling
    /// context and fault endpoint at once (`seL4_TCB_SetSchedParams`).
    /// `fault_ep` is looked up in the caller's CSpace and copied into the
    /// TCB (0: none); `authority` is the TCB whose maximum controlled
    /// priority permits the priorities.
    pub fn set_sched_params(
        self,
        authority: cap::Tcb,
        mcp: Word,
        priority: Word,
        sc: cap::SchedContext,
        fault_ep: CPtr,
    ) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe {
            sys::seL4_TCB_SetSchedParams(
                self.cptr(),
                authority.cptr(),
                mcp as _,
                priority as _,
                sc.cptr(),
                fault_ep,
            )
        })
    }

    /// Sets the endpoint that receives the thread's timeout faults (its
    /// scheduling context ran out of budget), looked up in the caller's
    /// CSpace and copied into the TCB (`seL4_TCB_SetTimeoutEndpoint`).
    pub fn set_timeout_endpoint(self, endpoint: cap::Endpoint) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe { sys::seL4_TCB_SetTimeoutEndpoint(self.cptr(), endpoint.cptr()) })
    }

    /// Sets the thread's CSpace root (with a guard of `guard_size` bits),
    /// VSpace root and IPC buffer in one invocation (`seL4_TCB_Configure`;
    /// on MCS kernels the fault endpoint is set with
    /// [`set_sched_params`](Self::set_sched_params) instead).
    pub fn configure(
        self,
        cspace: cap::CNode,
        guard: Word,
        guard_size: Word,
        vspace: cap::VSpace,
        ipc_buffer: usize,
        ipc_frame: cap::Frame,
    ) -> Result<()> {
        // SAFETY: no pointers.
        Error::check(unsafe {
            sys::seL4_TCB_Configure(
                self.cptr(),
                cspace.cptr(),
                crate::invocations::root_data(guard, guard_size),
                vspace.cptr(),
                0,
                ipc_buffer as _,
                ipc_frame.cptr(),
            )
        })
    }
}
