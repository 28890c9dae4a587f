/*
 * collate: Polish alphabetical order for every sorted list a person reads
 * (registry list, heat maps, rankings), the way a Polish dictionary orders
 * names: a ą b c ć d e ę f g h i j k l ł m n ń o ó p q r s ś t u v w x y z
 * ź ż, case ignored at first. So Kędzierzyn-Koźle comes before Konin, Łomża
 * between Krosno and Nisko, Żary and Żywiec after Złotów. Byte order (or a
 * C locale) puts every name starting with Ł, Ś, Ź or Ż after Z.
 *
 * Levels, as in the Unicode collation algorithm: first the letters' places
 * in the alphabet (other Latin letters with diacritics, é or ü, count as
 * their base letter; digits before letters; spaces and punctuation before
 * digits), then the diacritics of those other letters, then case (lower
 * first), then bytes, so the order is total and stable.
 */
#ifndef EMPIRIE_COLLATE_H
#define EMPIRIE_COLLATE_H

/* <0, 0, >0 as strcmp, in Polish order; NULL sorts first. */
int collate_pl(const char *a, const char *b);

/* For qsort over an array of const char *. */
int collate_pl_ptr(const void *a, const void *b);


#endif
