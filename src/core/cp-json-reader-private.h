/* cp-json-reader-private.h: a strict pull tokenizer for JSON from outside
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RFC 8259, strictly: no comments, no trailing commas, no leading zeros or
 * '+', no bare words, UTF-8 only (no BOM), escapes as the RFC lists them,
 * \u surrogates only in valid pairs, nesting at most CP_JSON_READER_MAX_DEPTH
 * (the bound cp_json_prescan_ok() applies before json-glib). No GTK, no
 * json-glib, no tree: the caller builds what it needs while reading.
 *
 * Every token is checked against the grammar as it is read, so a caller that
 * reads to CP_JSON_TOKEN_EOF has seen a complete, valid document. After
 * CP_JSON_TOKEN_ERROR every further call returns it again.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CP_JSON_READER_MAX_DEPTH 64

typedef enum
{
  CP_JSON_TOKEN_ERROR,
  CP_JSON_TOKEN_EOF,           /* the document ended and nothing follows it */
  CP_JSON_TOKEN_NULL,
  CP_JSON_TOKEN_FALSE,
  CP_JSON_TOKEN_TRUE,
  CP_JSON_TOKEN_INTEGER,       /* no fraction or exponent, fits a gint64: ->integer */
  CP_JSON_TOKEN_DOUBLE,        /* anything else that is a number: ->number */
  CP_JSON_TOKEN_STRING,        /* ->text, ->text_length */
  CP_JSON_TOKEN_MEMBER,        /* an object member's name, in ->text; its value comes next */
  CP_JSON_TOKEN_BEGIN_OBJECT,
  CP_JSON_TOKEN_END_OBJECT,
  CP_JSON_TOKEN_BEGIN_ARRAY,
  CP_JSON_TOKEN_END_ARRAY,
} CpJsonToken;

typedef struct
{
  /* Results of the last token. text is NUL-terminated and valid until the
   * next call; a string holding U+0000 has text_has_nul set (text_length
   * counts past it). */
  const char *text;
  gsize       text_length;
  gboolean    text_has_nul;
  gint64      integer;
  double      number;

  /*< private >*/
  const char *data;
  gsize       length;
  gsize       pos;
  guint       depth;
  guint       expect;
  gboolean    just_opened;
  gboolean    failed;
  guint8      stack[CP_JSON_READER_MAX_DEPTH];
  GString    *buffer;
} CpJsonReader;

void         cp_json_reader_init       (CpJsonReader *reader,
                                        const char   *data,
                                        gsize         length);
void         cp_json_reader_clear      (CpJsonReader *reader);
CpJsonToken  cp_json_reader_next       (CpJsonReader *reader);
/* After a token that starts a value: reads to its end (nothing for a
 * scalar, the whole container for BEGIN_*). FALSE on malformed input. */
gboolean     cp_json_reader_skip       (CpJsonReader *reader,
                                        CpJsonToken   token);
/* The depth of the container being read (0 at the top level). */
guint        cp_json_reader_get_depth  (CpJsonReader *reader);
/* The byte offset the reader reached, for error messages and tests. */
gsize        cp_json_reader_get_offset (CpJsonReader *reader);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CpJsonReader, cp_json_reader_clear)

G_END_DECLS
