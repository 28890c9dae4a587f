/* Unit: the error convention (err.h): err_set, err_prefix and err_errno, the
 * thread-safe strerror. The expected texts are glibc's own (the C locale:
 * nothing here calls setlocale). */
#include "err.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

Test(err, set_and_prefix)
{
    char e[ERR_MAX];

    cr_expect_eq(err_set(e, sizeof e, "field %s: expected %d", "q1", 5), -1);
    cr_expect_str_eq(e, "field q1: expected 5");
    cr_expect_eq(err_prefix(e, sizeof e, "%s:%d", "a.csv", 3), -1);
    cr_expect_str_eq(e, "a.csv:3: field q1: expected 5");
    cr_expect_eq(err_set(NULL, 0, "ignored"), -1);
}

Test(err, errno_message)
{
    char buf[ERR_ERRNO_MAX];

    cr_expect_str_eq(err_errno(ENOENT), "No such file or directory");
    cr_expect_str_eq(err_errno(EACCES), "Permission denied");
    cr_expect_str_eq(err_errno(0), "Success");
    /* pthread_* return the number instead of setting errno */
    cr_expect_str_eq(err_errno(EAGAIN), "Resource temporarily unavailable");
    /* the message is in the caller's buffer, not in a static one */
    cr_expect_eq(err_errno_r(ENOENT, buf, sizeof buf), buf);
    cr_expect_str_eq(buf, "No such file or directory");
}

Test(err, errno_unknown_and_cut)
{
    char small[8], one[1];

    cr_expect_str_eq(err_errno(99999), "Unknown error 99999");
    cr_expect_str_eq(err_errno(-3), "Unknown error -3");
    /* cut to fit, always terminated */
    cr_expect_str_eq(err_errno_r(ENOENT, small, sizeof small), "No such");
    cr_expect_str_eq(err_errno_r(ENOENT, one, sizeof one), "");
    cr_expect_str_eq(err_errno_r(ENOENT, NULL, 0), "");
}

Test(err, errno_left_alone)
{
    errno = EBADF;
    (void)err_errno(ENOENT);
    cr_expect_eq(errno, EBADF);
    errno = EBADF;
    (void)err_errno(99999);   /* XSI strerror_r sets errno to EINVAL here */
    cr_expect_eq(errno, EBADF);
}

/* Two messages in one call: each err_errno has its own buffer. */
Test(err, errno_two_in_one_call)
{
    char line[256];

    snprintf(line, sizeof line, "%s / %s", err_errno(ENOENT), err_errno(EACCES));
    cr_expect_str_eq(line, "No such file or directory / Permission denied");
}

#define THREADS 4
#define ROUNDS 20000

static const int codes[THREADS] = { ENOENT, EACCES, EEXIST, ENOSPC };
static const char *const texts[THREADS] = { "No such file or directory", "Permission denied",
                                            "File exists", "No space left on device" };

static void *hammer(void *arg)
{
    size_t t = (size_t)arg;
    long bad = 0;

    for (int i = 0; i < ROUNDS; i++)
        if (strcmp(err_errno(codes[t]), texts[t]) != 0)
            bad++;
    return (void *)bad;
}

/* Threads asking for different messages at once each read their own. */
Test(err, errno_threads)
{
    pthread_t th[THREADS];

    for (size_t t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, hammer, (void *)t), 0);
    for (size_t t = 0; t < THREADS; t++) {
        void *bad;

        cr_assert_eq(pthread_join(th[t], &bad), 0);
        cr_expect_eq((long)bad, 0, "thread %zu read %ld wrong messages", t, (long)bad);
    }
}
