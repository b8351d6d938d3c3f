/* test-json-reader.c: the strict streaming JSON tokenizer (cp-json-reader)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <company-portal.h>

#include "cp-json-private.h"
#include "cp-json-reader-private.h"

/* Reads @json to the end; TRUE when it is one valid document. */
static gboolean
valid_len (const char *json,
           gsize       length)
{
  g_auto(CpJsonReader) reader;
  CpJsonToken token;

  cp_json_reader_init (&reader, json, length);
  while ((token = cp_json_reader_next (&reader)) != CP_JSON_TOKEN_EOF)
    if (token == CP_JSON_TOKEN_ERROR)
      {
        /* Errors stick. */
        g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_ERROR);
        return FALSE;
      }
  return TRUE;
}

static gboolean
valid (const char *json)
{
  return valid_len (json, strlen (json));
}

/* The one string value of ["..."], or NULL when the document is refused. */
static char *
string_of (const char *json,
           gboolean   *has_nul)
{
  g_auto(CpJsonReader) reader;
  g_autofree char *text = NULL;

  cp_json_reader_init (&reader, json, strlen (json));
  if (cp_json_reader_next (&reader) != CP_JSON_TOKEN_BEGIN_ARRAY ||
      cp_json_reader_next (&reader) != CP_JSON_TOKEN_STRING)
    return NULL;
  text = g_memdup2 (reader.text, reader.text_length + 1);
  if (has_nul != NULL)
    *has_nul = reader.text_has_nul;
  if (cp_json_reader_next (&reader) != CP_JSON_TOKEN_END_ARRAY ||
      cp_json_reader_next (&reader) != CP_JSON_TOKEN_EOF)
    return NULL;
  return g_steal_pointer (&text);
}

static void
test_tokens (void)
{
  const char *json = " {\"a\" : [1, -2.5e3, true, false, null, \"x\"], \"b\":{}, \"c\":[]}\n";
  const CpJsonToken expected[] = {
    CP_JSON_TOKEN_BEGIN_OBJECT, CP_JSON_TOKEN_MEMBER, CP_JSON_TOKEN_BEGIN_ARRAY,
    CP_JSON_TOKEN_INTEGER, CP_JSON_TOKEN_DOUBLE, CP_JSON_TOKEN_TRUE, CP_JSON_TOKEN_FALSE,
    CP_JSON_TOKEN_NULL, CP_JSON_TOKEN_STRING, CP_JSON_TOKEN_END_ARRAY,
    CP_JSON_TOKEN_MEMBER, CP_JSON_TOKEN_BEGIN_OBJECT, CP_JSON_TOKEN_END_OBJECT,
    CP_JSON_TOKEN_MEMBER, CP_JSON_TOKEN_BEGIN_ARRAY, CP_JSON_TOKEN_END_ARRAY,
    CP_JSON_TOKEN_END_OBJECT, CP_JSON_TOKEN_EOF,
  };
  g_auto(CpJsonReader) reader;

  cp_json_reader_init (&reader, json, strlen (json));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      CpJsonToken token = cp_json_reader_next (&reader);

      g_assert_cmpint (token, ==, expected[i]);
      if (i == 1)
        g_assert_cmpstr (reader.text, ==, "a");
      if (i == 3)
        g_assert_cmpint (reader.integer, ==, 1);
      if (i == 4)
        g_assert_cmpfloat (reader.number, ==, -2500.0);
      if (i == 8)
        g_assert_cmpstr (reader.text, ==, "x");
    }
  /* Scalars are documents too. */
  g_assert_true (valid ("\"x\""));
  g_assert_true (valid ("  7  "));
  g_assert_true (valid ("null"));
}

static void
test_skip (void)
{
  const char *json = "{\"skip\":{\"a\":[1,{\"b\":[]}],\"c\":\"}\"},\"next\":2}";
  g_auto(CpJsonReader) reader;

  cp_json_reader_init (&reader, json, strlen (json));
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_MEMBER);
  g_assert_true (cp_json_reader_skip (&reader, cp_json_reader_next (&reader)));
  g_assert_cmpuint (cp_json_reader_get_depth (&reader), ==, 1);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_MEMBER);
  g_assert_cmpstr (reader.text, ==, "next");
  g_assert_true (cp_json_reader_skip (&reader, cp_json_reader_next (&reader)));
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_EOF);
}

/* Every proper prefix of a valid document is refused. */
static void
test_truncated (void)
{
  const char *json = "{\"items\":[{\"id\":\"a\\u00e9\\ud83d\\ude00\",\"n\":-12.5e+3,\"t\":true,"
                     "\"f\":false,\"z\":null,\"l\":[\"x\",[]]}],\"c\":\"é\"}";
  gsize length = strlen (json);

  g_assert_true (valid_len (json, length));
  for (gsize i = 0; i < length; i++)
    {
      g_test_message ("prefix of %" G_GSIZE_FORMAT " bytes", i);
      g_assert_false (valid_len (json, i));
    }
}

static void
test_depth (void)
{
  GString *ok = g_string_new (NULL);
  GString *deep = g_string_new (NULL);

  for (guint i = 0; i < CP_JSON_READER_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (guint i = 0; i < CP_JSON_READER_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_assert_true (valid (ok->str));

  /* One more level, as objects and arrays mixed: refused like
   * cp_json_prescan_ok() refuses it. */
  for (guint i = 0; i <= CP_JSON_READER_MAX_DEPTH; i++)
    g_string_append (deep, i % 2 ? "{\"a\":" : "[");
  for (guint i = CP_JSON_READER_MAX_DEPTH + 1; i-- > 0;)
    g_string_append (deep, i % 2 ? "}" : "]");
  g_assert_false (valid (deep->str));
  g_assert_false (cp_json_prescan_ok (deep->str, deep->len));

  /* A very deep body fails fast, without recursion. */
  g_string_truncate (deep, 0);
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (valid (deep->str));

  g_string_free (ok, TRUE);
  g_string_free (deep, TRUE);
}

static void
test_bad_utf8 (void)
{
  const char *bad[] = {
    "[\"\xff\"]",                    /* never valid */
    "[\"\xc0\xaf\"]",                /* overlong '/' */
    "[\"\xe0\x80\xaf\"]",            /* overlong, 3 bytes */
    "[\"\xed\xa0\x80\"]",            /* an encoded surrogate */
    "[\"\xf4\x90\x80\x80\"]",        /* above U+10FFFF */
    "[\"\xc3\"]",                    /* truncated sequence */
    "[\"\xc3(\"]",                   /* bad continuation */
    "[\"\xe2\x82\"]",
    "\xef\xbb\xbf[]",                /* a byte order mark */
    "[\xc3\xa9]",                    /* UTF-8 outside a string */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%u", i);
      g_assert_false (valid (bad[i]));
    }
  g_assert_true (valid ("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"]"));
}

static void
test_escapes (void)
{
  const char *bad[] = {
    "[\"\\x41\"]", "[\"\\'\"]", "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\U0041\"]",
    "[\"\\\"]", "[\"tab\there\"]", "[\"line\nbreak\"]", "[\"\\",
    /* lone or misordered surrogates */
    "[\"\\ud800\"]", "[\"\\ud800x\"]", "[\"\\ud800\\u0041\"]", "[\"\\udc00\"]",
    "[\"\\udc00\\ud800\"]", "[\"\\ud800\\ud800\"]", "[\"\\ud800\\\"]",
  };
  g_autofree char *all = NULL;
  g_autofree char *pair = NULL;
  g_autofree char *nul = NULL;
  gboolean has_nul = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (valid (bad[i]));
    }

  all = string_of ("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\"]", &has_nul);
  g_assert_cmpstr (all, ==, "\"\\/\b\f\n\r\tAé€");
  g_assert_false (has_nul);
  pair = string_of ("[\"\\ud83d\\ude00\\uDBFF\\uDFFF\"]", NULL);
  g_assert_cmpstr (pair, ==, "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
  nul = string_of ("[\"a\\u0000b\"]", &has_nul);
  g_assert_true (has_nul);
  g_assert_cmpmem (nul, 3, "a\0b", 3);
}

static void
test_numbers (void)
{
  const char *bad[] = {
    "01", "-01", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1", "0x10", "1_000",
    "NaN", "Infinity", "-Infinity", "1 2", "00",
  };
  const char *good[] = { "0", "-0", "1.5", "1e5", "1E+5", "1e-5", "-0.0e0", "123456789" };
  g_auto(CpJsonReader) reader;
  const char *edges;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (valid (bad[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (valid (good[i]));

  /* The 64-bit edges are integers; beyond them, doubles (never wrapped,
   * unlike json-glib 1.6, which reads 99999999999999999999 as -1). */
  edges = "[9223372036854775807,-9223372036854775808,"
          "9223372036854775808,99999999999999999999,-9223372036854775809,1e400,-1e400]";

  cp_json_reader_init (&reader, edges, strlen (edges));
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_INTEGER);
  g_assert_cmpint (reader.integer, ==, G_MAXINT64);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_INTEGER);
  g_assert_cmpint (reader.integer, ==, G_MININT64);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_DOUBLE);
  g_assert_cmpfloat (reader.number, ==, 9223372036854775808.0);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_DOUBLE);
  g_assert_cmpfloat (reader.number, ==, 1e20);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_DOUBLE);
  g_assert_cmpfloat (reader.number, <, -9.2e18);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_DOUBLE);
  g_assert_true (isinf (reader.number) && reader.number > 0);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_DOUBLE);
  g_assert_true (isinf (reader.number) && reader.number < 0);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_END_ARRAY);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_EOF);

  /* Absurdly long numbers are refused rather than converted. */
  {
    g_autofree char *long_number = g_strnfill (600, '7');

    g_assert_false (valid (long_number));
  }
}

static void
test_grammar (void)
{
  const char *bad[] = {
    "", "   ", "[", "]", "{", "}", "[1,]", "[,1]", "[1,,2]", "[1 2]", "{\"a\":1,}",
    "{,\"a\":1}", "{\"a\" 1}", "{\"a\":}", "{\"a\"}", "{1:2}", "{'a':1}", "{a:1}",
    "[1]]", "[1] [2]", "{} x", "/*c*/[]", "[] //c", "tru", "nul", "falsey", "[true false]",
    "[\"a\":1]", "{\"a\":1 \"b\":2}", "[1}", "{\"a\":1]", "\"unterminated",
    "[\"a\"\x00]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (valid (bad[i]));
    }
  /* A NUL byte inside the length is not the end of the text. */
  g_assert_false (valid_len ("[1]\0", 4));
  g_assert_true (valid_len ("[1]\0", 3));
  g_assert_true (valid ("\t\r\n [ 1 , { \"a\" : [ ] } ] \t\r\n"));
}

/* Duplicate member names are the consumer's business: the reader hands
 * both over, in order. */
static void
test_duplicate_members (void)
{
  g_auto(CpJsonReader) reader;

  cp_json_reader_init (&reader, "{\"a\":1,\"a\":2}", 13);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_MEMBER);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_INTEGER);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_MEMBER);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_INTEGER);
  g_assert_cmpint (reader.integer, ==, 2);
}

/* Long strings and many values: linear, no recursion, nothing left over. */
static void
test_large (void)
{
  g_autoptr(GString) json = g_string_new ("[");
  g_autofree char *long_text = g_strnfill (4 * 1024 * 1024, 'x');
  g_auto(CpJsonReader) reader;
  guint n = 0;
  CpJsonToken token;

  g_string_append_printf (json, "\"%s\"", long_text);
  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (json, ",%u", i);
  g_string_append (json, "]");

  cp_json_reader_init (&reader, json->str, json->len);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_STRING);
  g_assert_cmpuint (reader.text_length, ==, 4 * 1024 * 1024);
  while ((token = cp_json_reader_next (&reader)) == CP_JSON_TOKEN_INTEGER)
    g_assert_cmpint (reader.integer, ==, n++);
  g_assert_cmpint (token, ==, CP_JSON_TOKEN_END_ARRAY);
  g_assert_cmpuint (n, ==, 200000);
  g_assert_cmpint (cp_json_reader_next (&reader), ==, CP_JSON_TOKEN_EOF);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-reader/tokens", test_tokens);
  g_test_add_func ("/json-reader/skip", test_skip);
  g_test_add_func ("/json-reader/truncated", test_truncated);
  g_test_add_func ("/json-reader/depth", test_depth);
  g_test_add_func ("/json-reader/bad-utf8", test_bad_utf8);
  g_test_add_func ("/json-reader/escapes", test_escapes);
  g_test_add_func ("/json-reader/numbers", test_numbers);
  g_test_add_func ("/json-reader/grammar", test_grammar);
  g_test_add_func ("/json-reader/duplicate-members", test_duplicate_members);
  g_test_add_func ("/json-reader/large", test_large);

  return g_test_run ();
}
