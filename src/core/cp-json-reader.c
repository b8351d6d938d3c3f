/* cp-json-reader.c: a strict pull tokenizer for JSON from outside
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cp-json-reader-private.h"

/* What the grammar allows next. */
enum
{
  EXPECT_VALUE,                 /* a value (or ']' right after '[') */
  EXPECT_MEMBER,                /* a member name (or '}' right after '{') */
  EXPECT_SEPARATOR,             /* ',' or the end of the container */
  EXPECT_EOF,                   /* the document is complete */
};

enum
{
  IN_ARRAY,
  IN_OBJECT,
};

/* Longer numbers are refused: no JSON writer produces them and strtod()
 * on them is slow. */
#define MAX_NUMBER_LENGTH 512

static inline gboolean
is_space (char c)
{
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static CpJsonToken
fail (CpJsonReader *r)
{
  r->failed = TRUE;
  return CP_JSON_TOKEN_ERROR;
}

static void
skip_space (CpJsonReader *r)
{
  while (r->pos < r->length && is_space (r->data[r->pos]))
    r->pos++;
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u" at @p; -1 when they are not. */
static gint32
read_hex4 (const char *p,
           const char *end)
{
  gint32 value = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* One multi-byte UTF-8 sequence at @p (whose first byte is >= 0x80):
 * its length, or 0 when it is invalid (overlong, surrogate, > U+10FFFF,
 * truncated). */
static gsize
utf8_sequence_length (const guchar *p,
                      const guchar *end)
{
  guchar c = p[0];
  gsize n;
  gunichar min, value;

  if (c >= 0xc2 && c <= 0xdf)
    n = 2, min = 0x80, value = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, min = 0x800, value = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, min = 0x10000, value = c & 0x07;
  else
    return 0;

  if ((gsize) (end - p) < n)
    return 0;
  for (gsize i = 1; i < n; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
      value = (value << 6) | (p[i] & 0x3f);
    }
  if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
    return 0;
  return n;
}

/* A "\uXXXX" escape (with its low surrogate when it is a high one), at
 * @p pointing after the 'u'. Returns the bytes consumed after the 'u', or 0. */
static gsize
read_unicode_escape (CpJsonReader *r,
                     const char   *p,
                     const char   *end)
{
  gint32 unit = read_hex4 (p, end);
  gunichar c;
  char utf8[6];
  gsize consumed = 4;

  if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff))
    return 0;
  c = (gunichar) unit;
  if (unit >= 0xd800 && unit <= 0xdbff)
    {
      gint32 low;

      if (end - p < 10 || p[4] != '\\' || p[5] != 'u')
        return 0;
      low = read_hex4 (p + 6, end);
      if (low < 0xdc00 || low > 0xdfff)
        return 0;
      c = 0x10000 + (((gunichar) unit - 0xd800) << 10) + ((gunichar) low - 0xdc00);
      consumed = 10;
    }
  if (c == 0)
    r->text_has_nul = TRUE;
  g_string_append_len (r->buffer, utf8, g_unichar_to_utf8 (c, utf8));
  return consumed;
}

/* A string at r->pos (on its opening quote), decoded into r->buffer. */
static gboolean
read_string (CpJsonReader *r)
{
  const char *p = r->data + r->pos + 1;
  const char *end = r->data + r->length;
  const char *run = p;

  g_string_truncate (r->buffer, 0);
  r->text_has_nul = FALSE;

  while (p < end)
    {
      guchar c = (guchar) *p;

      if (c == '"')
        {
          g_string_append_len (r->buffer, run, p - run);
          r->pos = (p + 1) - r->data;
          r->text = r->buffer->str;
          r->text_length = r->buffer->len;
          return TRUE;
        }
      if (c >= 0x20 && c < 0x80 && c != '\\')
        {
          p++;
          continue;
        }
      if (c >= 0x80)
        {
          gsize n = utf8_sequence_length ((const guchar *) p, (const guchar *) end);

          if (n == 0)
            return FALSE;
          p += n;
          continue;
        }
      if (c < 0x20 || p + 1 >= end)
        return FALSE;

      /* An escape: flush the plain run before it. */
      g_string_append_len (r->buffer, run, p - run);
      switch (p[1])
        {
        case '"': g_string_append_c (r->buffer, '"'); break;
        case '\\': g_string_append_c (r->buffer, '\\'); break;
        case '/': g_string_append_c (r->buffer, '/'); break;
        case 'b': g_string_append_c (r->buffer, '\b'); break;
        case 'f': g_string_append_c (r->buffer, '\f'); break;
        case 'n': g_string_append_c (r->buffer, '\n'); break;
        case 'r': g_string_append_c (r->buffer, '\r'); break;
        case 't': g_string_append_c (r->buffer, '\t'); break;
        case 'u':
          {
            gsize consumed = read_unicode_escape (r, p + 2, end);

            if (consumed == 0)
              return FALSE;
            p += consumed;
          }
          break;
        default:
          return FALSE;
        }
      p += 2;
      run = p;
    }
  return FALSE;
}

static gsize
count_digits (const char *p,
              const char *end)
{
  const char *start = p;

  while (p < end && *p >= '0' && *p <= '9')
    p++;
  return p - start;
}

/* The span of a number at r->pos by the RFC's grammar; 0 when malformed. */
static gsize
number_span (CpJsonReader *r,
             gboolean     *is_integer)
{
  const char *start = r->data + r->pos;
  const char *end = r->data + r->length;
  const char *p = start;
  gsize digits;

  *is_integer = TRUE;
  if (p < end && *p == '-')
    p++;
  digits = count_digits (p, end);
  if (digits == 0 || (digits > 1 && *p == '0'))
    return 0;
  p += digits;
  if (p < end && *p == '.')
    {
      *is_integer = FALSE;
      digits = count_digits (++p, end);
      if (digits == 0)
        return 0;
      p += digits;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *is_integer = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      digits = count_digits (p, end);
      if (digits == 0)
        return 0;
      p += digits;
    }
  return p - start;
}

/* Integers that fit a gint64 are INTEGER (as json-glib types them), the
 * rest DOUBLE; a number too large for a double is +-inf, as with json-glib. */
static CpJsonToken
read_number (CpJsonReader *r)
{
  const char *start = r->data + r->pos;
  gboolean is_integer;
  gsize span = number_span (r, &is_integer);
  char copy[MAX_NUMBER_LENGTH + 1];

  if (span == 0 || span > MAX_NUMBER_LENGTH)
    return fail (r);
  r->pos += span;

  if (is_integer)
    {
      gboolean negative = *start == '-';
      guint64 value = 0;
      gboolean overflow = FALSE;

      for (const char *p = start + negative; p < start + span; p++)
        {
          guint digit = *p - '0';

          if (value > (G_MAXUINT64 - digit) / 10)
            {
              overflow = TRUE;
              break;
            }
          value = value * 10 + digit;
        }
      if (!overflow && !negative && value <= G_MAXINT64)
        {
          r->integer = (gint64) value;
          return CP_JSON_TOKEN_INTEGER;
        }
      if (!overflow && negative && value <= (guint64) G_MAXINT64 + 1)
        {
          r->integer = (gint64) (0 - value);
          return CP_JSON_TOKEN_INTEGER;
        }
    }

  memcpy (copy, start, span);
  copy[span] = '\0';
  r->number = g_ascii_strtod (copy, NULL);
  return CP_JSON_TOKEN_DOUBLE;
}

static CpJsonToken
read_literal (CpJsonReader *r,
              const char   *word,
              CpJsonToken   token)
{
  gsize n = strlen (word);

  if (r->length - r->pos < n || memcmp (r->data + r->pos, word, n) != 0)
    return fail (r);
  r->pos += n;
  return token;
}

static void
after_value (CpJsonReader *r)
{
  r->expect = r->depth > 0 ? EXPECT_SEPARATOR : EXPECT_EOF;
  r->just_opened = FALSE;
}

static CpJsonToken
open_container (CpJsonReader *r,
                guint         kind)
{
  if (r->depth >= CP_JSON_READER_MAX_DEPTH)
    return fail (r);
  r->stack[r->depth++] = kind;
  r->pos++;
  r->expect = kind == IN_OBJECT ? EXPECT_MEMBER : EXPECT_VALUE;
  r->just_opened = TRUE;
  return kind == IN_OBJECT ? CP_JSON_TOKEN_BEGIN_OBJECT : CP_JSON_TOKEN_BEGIN_ARRAY;
}

static CpJsonToken
close_container (CpJsonReader *r)
{
  guint kind = r->stack[--r->depth];

  r->pos++;
  after_value (r);
  return kind == IN_OBJECT ? CP_JSON_TOKEN_END_OBJECT : CP_JSON_TOKEN_END_ARRAY;
}

static CpJsonToken
read_value (CpJsonReader *r)
{
  CpJsonToken token;

  switch (r->data[r->pos])
    {
    case '{':
      return open_container (r, IN_OBJECT);
    case '[':
      return open_container (r, IN_ARRAY);
    case '"':
      if (!read_string (r))
        return fail (r);
      token = CP_JSON_TOKEN_STRING;
      break;
    case 't':
      token = read_literal (r, "true", CP_JSON_TOKEN_TRUE);
      break;
    case 'f':
      token = read_literal (r, "false", CP_JSON_TOKEN_FALSE);
      break;
    case 'n':
      token = read_literal (r, "null", CP_JSON_TOKEN_NULL);
      break;
    default:
      token = read_number (r);
      break;
    }
  if (token != CP_JSON_TOKEN_ERROR)
    after_value (r);
  return token;
}

static CpJsonToken
read_member (CpJsonReader *r)
{
  if (r->data[r->pos] != '"' || !read_string (r))
    return fail (r);
  skip_space (r);
  if (r->pos >= r->length || r->data[r->pos] != ':')
    return fail (r);
  r->pos++;
  r->expect = EXPECT_VALUE;
  r->just_opened = FALSE;
  return CP_JSON_TOKEN_MEMBER;
}

void
cp_json_reader_init (CpJsonReader *r,
                     const char   *data,
                     gsize         length)
{
  memset (r, 0, sizeof *r);
  r->data = data;
  r->length = data != NULL ? length : 0;
  r->expect = EXPECT_VALUE;
  r->buffer = g_string_sized_new (256);
  r->text = "";
}

void
cp_json_reader_clear (CpJsonReader *r)
{
  if (r->buffer != NULL)
    g_string_free (r->buffer, TRUE);
  r->buffer = NULL;
  r->failed = TRUE;
}

CpJsonToken
cp_json_reader_next (CpJsonReader *r)
{
  char c;

  if (r->failed)
    return CP_JSON_TOKEN_ERROR;
  skip_space (r);

  if (r->expect == EXPECT_EOF)
    return r->pos == r->length ? CP_JSON_TOKEN_EOF : fail (r);
  if (r->pos >= r->length)
    return fail (r);

  c = r->data[r->pos];
  if (r->expect == EXPECT_SEPARATOR)
    {
      guint kind = r->stack[r->depth - 1];

      if (c == (kind == IN_OBJECT ? '}' : ']'))
        return close_container (r);
      if (c != ',')
        return fail (r);
      r->pos++;
      skip_space (r);
      if (r->pos >= r->length)
        return fail (r);
      c = r->data[r->pos];
      r->expect = kind == IN_OBJECT ? EXPECT_MEMBER : EXPECT_VALUE;
      r->just_opened = FALSE;
    }

  if (r->just_opened && c == (r->expect == EXPECT_MEMBER ? '}' : ']'))
    return close_container (r);
  if (r->expect == EXPECT_MEMBER)
    return read_member (r);
  return read_value (r);
}

gboolean
cp_json_reader_skip (CpJsonReader *r,
                     CpJsonToken   token)
{
  guint depth;

  if (token == CP_JSON_TOKEN_ERROR || token == CP_JSON_TOKEN_EOF)
    return FALSE;
  if (token != CP_JSON_TOKEN_BEGIN_OBJECT && token != CP_JSON_TOKEN_BEGIN_ARRAY)
    return TRUE;

  depth = r->depth - 1;
  while (r->depth > depth)
    if (cp_json_reader_next (r) == CP_JSON_TOKEN_ERROR)
      return FALSE;
  return TRUE;
}

guint
cp_json_reader_get_depth (CpJsonReader *r)
{
  return r->depth;
}

gsize
cp_json_reader_get_offset (CpJsonReader *r)
{
  return r->pos;
}
