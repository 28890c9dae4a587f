/*
 * msg: the language of the command line's own words (help texts, progress
 * lines, summaries and the errors the subcommands print themselves).
 * Polish by default; English with EMPIRIE_LANG=en, with `empirie --lang en
 * COMMAND`, or with the --lang en of the subcommands that have one (stats,
 * report), which also sets their output's labels. Other EMPIRIE_LANG values
 * than "pl" and "en" are ignored (Polish). The import's messages
 * (import*.c, read only by the command line) follow it too; the other
 * library modules' error texts (err.h), the HTTP API's errors and the
 * daemon's log stay English: they are for programs, logs and developers.
 */
#ifndef EMPIRIE_MSG_H
#define EMPIRIE_MSG_H

/* 1 when lang is "pl" or "en". */
int msg_lang_valid(const char *lang);

/* Chooses the language ("pl" or "en"; anything else leaves it). */
void msg_set_lang(const char *lang);

/* 1 when the messages are English (EMPIRIE_LANG read on first use). */
int msg_english(void);

/* The Polish form of a noun after the number n: one (1 migracja), few
 * (2-4, 22-24, ...: 2 migracje) or many (0, 5-21, 25-31, ...: 5 migracji). */
const char *msg_pl_plural(long long n, const char *one, const char *few, const char *many);

/* A text of the instrument, the registry or a page in the language a
 * reader asked for (english 0 or 1, not the messages' language): en when
 * english and there is one, else pl. */
const char *msg_text(int english, const char *pl, const char *en);

/* pl or en, as the language says. A macro, so that a printf format given
 * as two literals is still checked (-Wformat=2). */
#define msg(pl, en) (msg_english() ? (en) : (pl))

#endif
