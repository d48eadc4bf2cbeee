/* Two threads, chunks on demand: the caller and one persistent native helper thread both run
   run_job() on the same job, claiming chunks from an atomic counter, so a helper that is
   scheduled late (other processes on the cores) costs nothing: the caller simply takes every
   chunk, then takes the job back (or waits for the helper to leave it) before returning.

   The helper is a plain pthread (no Python, no GIL): after each job it watches for the next
   one, first with pause instructions for PAUSE_NS (5 us), then yielding its core between looks
   (sched_yield) until SPIN_NS (50 us), both by the clock, then sleeps on a futex. A hand-off
   therefore costs a few atomics while calls follow each other (a benchmark's loop) and one
   futex wake otherwise, where the former Python helper thread (queue + GIL) cost 10-20 us and
   made calls of 1e5 elements slower than one thread. Yielding lets BLAS's threads have the
   core: a training step calls a GEMM right after its activation, and 50 us of pure spinning
   measured the MLP step (784-512-512-10, 2 threads) 5-14 % slower at batches 32-128.
   One job is offered at a time: a caller that finds the slot taken (another Python thread's
   call) runs its own job alone.

   Hardening: the helper blocks every signal (they go to Python's threads, as before); a
   pthread_atfork child handler resets the pool (lock, offer, helper pid), so a child forked
   while another thread held the start lock or had a job offered starts cleanly with its own
   helper on its first split call. */
#define _GNU_SOURCE
#include "_kernels_pool.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 50000
#define PAUSE_NS 5000

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static job_t *offered;       /* the job offered to the helper, NULL when none */
static int seq;              /* futex word: bumped after every offer */
static int sleeping;         /* the helper is (about to be) asleep on seq */
static pid_t helper_pid;     /* the process whose helper thread runs (0: none yet) */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* in a forked child (one thread, a copy of the parent's memory): no helper, no offer, a fresh
   lock (the parent's may have been held by a thread that does not exist here) */
static void reset_in_child(void)
{
    pthread_mutex_init(&start_lock, NULL);
    offered = NULL;
    sleeping = 0;
    helper_pid = 0;
}

static void register_atfork(void) { pthread_atfork(NULL, NULL, reset_in_child); }

void run_job(job_t *j)
{
    for (;;) {
        int64_t i = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
        if (i >= j->n) return;
        int64_t k = j->n - i < j->chunk ? j->n - i : j->chunk, o = i * j->m;
        switch (j->kind) {
        case 1: ((unary_t)j->fn)(j->x + i, j->y + i, k, j->a, j->b); break;
        case 2: ((binary_t)j->fn)(j->g + i, j->x + i, j->y + i, k, j->a, j->b); break;
        case 3: ((rows_t)j->fn)(j->x + o, j->y + o, k, j->m, j->skip + i); break;
        case 5: ((range_t)j->fn)(j, i, k); break;
        default:
            ((rows_vjp_t)j->fn)(j->g + o, j->x + o, j->y + o, k, j->m, j->skip + i, j->from_y);
        }
    }
}

static void *helper_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "actlab-pool");  /* as seen in top -H, /proc, gdb */
    for (;;) {
        job_t *j = NULL;
        int64_t start = now_ns();
        for (int spins = 1;; spins++) {
            if (__atomic_load_n(&offered, __ATOMIC_RELAXED) != NULL &&
                (j = __atomic_exchange_n(&offered, NULL, __ATOMIC_ACQUIRE)) != NULL)
                break;
            int64_t waited = spins & 63 ? 0 : now_ns() - start;  /* the clock every 64 turns */
            if (waited < PAUSE_NS) {
                __builtin_ia32_pause();
                continue;
            }
            if (waited < SPIN_NS) {  /* give the core to any runnable thread (BLAS's) */
                sched_yield();
                spins = 63;  /* read the clock on the next turn */
                continue;
            }
            int s = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);
            __atomic_store_n(&sleeping, 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&offered, __ATOMIC_SEQ_CST) == NULL)
                syscall(SYS_futex, &seq, FUTEX_WAIT_PRIVATE, s, NULL, NULL, 0);
            __atomic_store_n(&sleeping, 0, __ATOMIC_SEQ_CST);
            start = now_ns();
            spins = 0;
        }
        run_job(j);
        __atomic_store_n(&j->helper_done, 1, __ATOMIC_RELEASE);  /* the last touch of j */
    }
    return NULL;
}

/* start the helper once per process (again in a forked child); 0 when it cannot start */
static int helper_ready(void)
{
    pid_t me = getpid();
    if (__atomic_load_n(&helper_pid, __ATOMIC_ACQUIRE) == me) return 1;
    pthread_once(&atfork_once, register_atfork);
    int ok = 1;
    pthread_mutex_lock(&start_lock);
    if (helper_pid != me) {
        offered = NULL;  /* a forked child inherits no helper and no offer */
        sleeping = 0;
        pthread_t t;
        pthread_attr_t attr;
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);  /* the helper inherits: every signal blocked */
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ok = pthread_create(&t, &attr, helper_main, NULL) == 0;
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (ok) __atomic_store_n(&helper_pid, me, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&start_lock);
    return ok;
}

/* Run the whole job on this thread and, if it takes it in time, the helper. */
void run_split(job_t *j)
{
    j->helper_done = 0;
    job_t *none = NULL;
    int posted = helper_ready() &&
                 __atomic_compare_exchange_n(&offered, &none, j, 0, __ATOMIC_RELEASE,
                                             __ATOMIC_RELAXED);
    if (posted) {
        __atomic_fetch_add(&seq, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&sleeping, __ATOMIC_SEQ_CST))
            syscall(SYS_futex, &seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    run_job(j);
    if (!posted) return;
    job_t *mine = j;
    if (__atomic_compare_exchange_n(&offered, &mine, NULL, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return;  /* taken back: the helper never saw it */
    /* the helper took it: wait until it leaves (its chunk in progress, if any) */
    for (int spins = 0; !__atomic_load_n(&j->helper_done, __ATOMIC_ACQUIRE); spins++) {
        if (spins < 4096)
            __builtin_ia32_pause();
        else
            sched_yield();  /* the helper was preempted inside its chunk */
    }
}

void run_range(job_t *j, int split)
{
    if (split)
        run_split(j);
    else
        ((range_t)j->fn)(j, 0, j->n);
}
