/* cp-icon-cache.c: app icons, fetched once and kept on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding and the disk work run in a worker thread; the main loop only
 * sends the request and keeps the texture in memory for recycled rows.
 *
 * The disk cache holds PNG only, whatever the server sent: GTK decodes PNG
 * itself, while an SVG icon needs librsvg (7 MB resident for the rest of the
 * process) on every start. It keeps one file per URL, at most MAX_ICON_PIXELS
 * on a side, and every size shown is scaled down from it: a row's 48 px icon
 * is 9 KB of texture where the 128 px file would be 64 KB.
 *
 * A small file may claim an enormous image: a PNG's header is checked before
 * decoding (MAX_DECODE_PIXELS), other formats are decoded at the capped size.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <company-portal.h>

#include "cp-icon-cache.h"

struct _CpIconCache
{
  GObject      parent_instance;

  SoupSession *session;
  char        *directory;
  guint64      max_bytes;
  GHashTable  *textures;   /* "size url" -> GdkTexture, at most MAX_TEXTURES */
  GHashTable  *loading;    /* "size url" -> Loading, while it loads (owned by its work) */
  GHashTable  *downloading; /* url -> the Loading whose work downloads it */
  GQueue       order;      /* the keys of textures, oldest first (owned by textures) */
  GMutex       trim_lock;
};

G_DEFINE_FINAL_TYPE (CpIconCache, cp_icon_cache, G_TYPE_OBJECT)

/* Decoded icons kept in memory (9 KB each at 48 px). Scrolling through a
 * 20,000-app catalog would otherwise keep every icon it passed; rows on
 * screen hold their own reference, and the disk cache has the rest. */
#define MAX_TEXTURES 256

/* Rows show icons at 48 px and the details page at 96 px, twice that on a
 * high-density screen: the disk keeps no more. */
#define MAX_ICON_PIXELS 256

/* A PNG is decoded whole before it is scaled: one claiming more than this on
 * a side (4 MB decoded) is refused. */
#define MAX_DECODE_PIXELS 1024

typedef struct
{
  char   *url;
  char   *path;
  int     size;
  GBytes *downloaded;   /* NULL: read path */
} LoadData;

/* Callers asking for one icon at one size while it loads share the work:
 * the Required section and All Apps show the same app, and both rows ask at
 * once. The work is cancelled only once every caller has cancelled.
 * Another size of an icon being downloaded waits for that download and then
 * reads what it left on disk: the details page (96 px) opened while the
 * row's icon (48 px) loads. */
typedef struct _Loading Loading;
struct _Loading
{
  CpIconCache  *cache;        /* unowned: the work holds it */
  char         *key;          /* in CpIconCache.loading while callers may join */
  char         *url;
  GUri         *uri;
  int           size;
  GPtrArray    *waiters;      /* Waiter */
  GCancellable *cancellable;  /* the shared work's */
  GPtrArray    *followers;    /* Loading: other sizes waiting for this download */
  Loading      *leader;       /* the download this one waits for, or NULL */
};

typedef struct
{
  GTask  *task;               /* the caller's */
  gulong  cancelled_id;       /* on the caller's cancellable, 0: none */
} Waiter;

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;
  GCancellable *cancellable = g_task_get_cancellable (waiter->task);

  if (waiter->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, waiter->cancelled_id);
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void
loading_free (gpointer data)
{
  Loading *loading = data;

  g_free (loading->key);
  g_free (loading->url);
  g_uri_unref (loading->uri);
  g_ptr_array_unref (loading->waiters);
  g_ptr_array_unref (loading->followers);
  g_object_unref (loading->cancellable);
  g_free (loading);
}

static void start_work (Loading *loading);

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Loading *loading = user_data;

  for (guint i = 0; i < loading->waiters->len; i++)
    {
      Waiter *waiter = loading->waiters->pdata[i];

      if (!g_cancellable_is_cancelled (g_task_get_cancellable (waiter->task)))
        return;
    }
  g_cancellable_cancel (loading->cancellable);
  /* Waiting for another size's download: end now, not when it ends. */
  if (loading->leader != NULL)
    {
      g_ptr_array_remove (loading->leader->followers, loading);
      start_work (loading);
    }
}

static void
add_waiter (Loading *loading,
            GTask   *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->task = g_object_ref (task);
  g_ptr_array_add (loading->waiters, waiter);
  /* A caller without a cancellable keeps the work going. */
  if (cancellable != NULL)
    waiter->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb), loading, NULL);
}

static void
load_data_free (gpointer data)
{
  LoadData *load = data;

  g_free (load->url);
  g_free (load->path);
  g_clear_pointer (&load->downloaded, g_bytes_unref);
  g_free (load);
}

typedef struct
{
  char    *path;
  guint64  size;
  gint64   mtime;
} CachedFile;

static int
compare_oldest_first (gconstpointer a,
                      gconstpointer b)
{
  const CachedFile *fa = a, *fb = b;

  return fa->mtime < fb->mtime ? -1 : fa->mtime > fb->mtime;
}

/* Deletes the least recently written icons until the directory fits. */
static void
trim_directory (CpIconCache *self,
                const char  *keep)
{
  g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
  g_autoptr(GArray) files = g_array_new (FALSE, FALSE, sizeof (CachedFile));
  guint64 total = 0;
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      CachedFile file = { g_build_filename (self->directory, name, NULL), 0, 0 };
      GStatBuf st;

      if (g_stat (file.path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_free (file.path);
          continue;
        }
      file.size = st.st_size;
      /* Nanoseconds: icons written within one second still have an order. */
      file.mtime = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
      total += file.size;
      g_array_append_val (files, file);
    }
  g_array_sort (files, compare_oldest_first);
  for (guint i = 0; i < files->len; i++)
    {
      CachedFile *file = &g_array_index (files, CachedFile, i);

      /* The icon just written stays, even when it alone is over the bound. */
      if (total > self->max_bytes && g_strcmp0 (file->path, keep) != 0 && g_unlink (file->path) == 0)
        total -= file->size;
      g_free (file->path);
    }
}

static gboolean
is_png (GBytes *bytes)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return size >= sizeof signature && memcmp (data, signature, sizeof signature) == 0;
}

/* The width and height in the IHDR chunk, which PNG requires first;
 * FALSE when there is none or it says 0. */
static gboolean
png_header_size (GBytes  *bytes,
                 guint32 *width,
                 guint32 *height)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (size < 24 || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  memcpy (width, data + 16, sizeof *width);
  memcpy (height, data + 20, sizeof *height);
  *width = GUINT32_FROM_BE (*width);
  *height = GUINT32_FROM_BE (*height);
  return *width > 0 && *height > 0;
}

/* Whether every chunk's length stays within the file up to IEND. GTK 4.8's
 * PNG decoder leaks its pixel buffer on a file cut short (a cache file, or a
 * download asked again at every row bind): such a file is refused here. */
static gboolean
png_complete (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  gsize offset = 8;   /* the signature */

  while (size >= 12 && offset <= size - 12)
    {
      guint32 length;

      memcpy (&length, data + offset, sizeof length);
      length = GUINT32_FROM_BE (length);
      if (length > size - offset - 12)
        return FALSE;
      if (memcmp (data + offset + 4, "IEND", 4) == 0)
        return TRUE;
      offset += 12 + (gsize) length;
    }
  return FALSE;
}

static void
cap_size_cb (GdkPixbufLoader *loader,
             int              width,
             int              height,
             gpointer         user_data)
{
  double scale;

  if (width <= MAX_ICON_PIXELS && height <= MAX_ICON_PIXELS)
    return;
  scale = (double) MAX_ICON_PIXELS / MAX (width, height);
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)));
}

/* Through GdkPixbuf, at most MAX_ICON_PIXELS on a side: SVG is drawn at
 * that size, a raster image is scaled with GDK_INTERP_BILINEAR. */
static GdkTexture *
decode_capped (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();

  g_signal_connect (loader, "size-prepared", G_CALLBACK (cap_size_cb), NULL);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, NULL) || !gdk_pixbuf_loader_close (loader, NULL))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  return gdk_pixbuf_loader_get_pixbuf (loader) != NULL
           ? gdk_texture_new_for_pixbuf (gdk_pixbuf_loader_get_pixbuf (loader)) : NULL;
}

/* The icon at its own size, at most MAX_ICON_PIXELS on a side, or NULL for
 * anything that is not a usable icon (the caller says so once). *as_is says
 * whether @bytes are already what the disk keeps (a PNG within the bound). */
static GdkTexture *
decode_icon (GBytes   *bytes,
             gboolean *as_is)
{
  guint32 width, height;

  *as_is = FALSE;
  if (is_png (bytes))
    {
      if (!png_header_size (bytes, &width, &height) || width > MAX_DECODE_PIXELS || height > MAX_DECODE_PIXELS ||
          !png_complete (bytes))
        return NULL;
      if (width <= MAX_ICON_PIXELS && height <= MAX_ICON_PIXELS)
        {
          *as_is = TRUE;
          /* GTK's own PNG decoder: no GdkPixbuf module loaded at every start. */
          return gdk_texture_new_from_bytes (bytes, NULL);
        }
    }
  return decode_capped (bytes);
}

/* @texture with its longer side @size, or @texture itself when it is not
 * larger. Cairo's GOOD filter shrinks with a box filter: each pixel is the
 * average of the area it covers, so thin lines fade instead of vanishing. */
static GdkTexture *
scale_icon (GdkTexture *texture,
            int         size)
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  double scale = (double) size / MAX (width, height);
  int scaled_width, scaled_height;
  cairo_surface_t *source, *scaled;
  cairo_t *cr;
  GBytes *pixels;
  GdkTexture *result;

  if (scale >= 1)
    return g_object_ref (texture);
  scaled_width = CLAMP ((int) (width * scale + 0.5), 1, size);
  scaled_height = CLAMP ((int) (height * scale + 0.5), 1, size);

  source = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  gdk_texture_download (texture, cairo_image_surface_get_data (source), cairo_image_surface_get_stride (source));
  cairo_surface_mark_dirty (source);
  scaled = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, scaled_width, scaled_height);
  cr = cairo_create (scaled);
  cairo_scale (cr, (double) scaled_width / width, (double) scaled_height / height);
  cairo_set_source_surface (cr, source, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  /* The edges average with themselves, not with transparency around the image. */
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (source);
  cairo_surface_flush (scaled);

  /* The texture reads the surface's memory (CAIRO_FORMAT_ARGB32 is GDK_MEMORY_DEFAULT). */
  pixels = g_bytes_new_with_free_func (cairo_image_surface_get_data (scaled),
                                       (gsize) cairo_image_surface_get_stride (scaled) * scaled_height,
                                       (GDestroyNotify) cairo_surface_destroy, scaled);
  result = gdk_memory_texture_new (scaled_width, scaled_height, GDK_MEMORY_DEFAULT, pixels,
                                   cairo_image_surface_get_stride (scaled));
  g_bytes_unref (pixels);
  return result;
}

/* Writes @texture to the disk cache as PNG and keeps the cache in its bound. */
static void
store_png (CpIconCache *self,
           const char  *path,
           GdkTexture  *texture)
{
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);

  if (g_mkdir_with_parents (self->directory, 0700) != 0 ||
      !g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), NULL))
    return;
  g_mutex_lock (&self->trim_lock);
  trim_directory (self, path);
  g_mutex_unlock (&self->trim_lock);
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CpIconCache *self = source;
  LoadData *load = task_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  gboolean as_is;

  if (load->downloaded != NULL)
    bytes = g_bytes_ref (load->downloaded);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (load->path);

      bytes = g_file_load_bytes (file, cancellable, NULL, &error);
      if (bytes == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  texture = decode_icon (bytes, &as_is);
  if (texture == NULL)
    {
      /* A damaged cache file must not stay. */
      if (load->downloaded == NULL)
        g_unlink (load->path);
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA, _("The icon is not a usable image"));
      return;
    }

  /* Downloads, and files an older version cached as they came, are kept as
   * PNG within the bound: the largest size this URL is shown at. */
  if (load->downloaded != NULL || !as_is)
    store_png (self, load->path, texture);
  g_task_return_pointer (task, scale_icon (texture, load->size), g_object_unref);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *load = g_task_get_task_data (task);
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (bytes == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (bytes == NULL)
    {
      g_debug ("icon: %s", error->message);
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_NETWORK, _("The icon could not be downloaded"));
      return;
    }
  if (soup_message_get_status (message) != SOUP_STATUS_OK ||
      g_bytes_get_size (bytes) > CP_ICON_CACHE_MAX_ICON_SIZE)
    {
      g_debug ("icon: HTTP %u, %" G_GSIZE_FORMAT " bytes", soup_message_get_status (message),
               g_bytes_get_size (bytes));
      g_task_return_new_error (task, CP_ERROR,
                               soup_message_get_status (message) == SOUP_STATUS_NOT_FOUND
                                 ? CP_ERROR_NOT_FOUND : CP_ERROR_INVALID_DATA,
                               _("The icon could not be downloaded"));
      return;
    }
  load->downloaded = g_steal_pointer (&bytes);
  g_task_run_in_thread (task, decode_thread);
}

/* What is shown larger than the disk keeps is shown at what it keeps. */
static int
bounded_size (int size)
{
  return MIN (size, MAX_ICON_PIXELS);
}

/* The memory cache's key: each size of an icon is a texture of its own. */
static char *
texture_key (const char *url,
             int         size)
{
  return g_strdup_printf ("%d %s", bounded_size (size), url);
}

static void
remember_texture (CpIconCache *self,
                  const char  *url,
                  int          size,
                  GdkTexture  *texture)
{
  char *key = texture_key (url, size);

  if (g_hash_table_contains (self->textures, key))
    {
      /* The table keeps its own key (the one in order) and frees this one. */
      g_hash_table_insert (self->textures, key, g_object_ref (texture));
      return;
    }
  while (g_queue_get_length (&self->order) >= MAX_TEXTURES)
    g_hash_table_remove (self->textures, g_queue_pop_head (&self->order));
  g_hash_table_insert (self->textures, key, g_object_ref (texture));
  g_queue_push_tail (&self->order, key);
}

/* Every caller waiting for this icon gets it (a cancelled caller gets
 * G_IO_ERROR_CANCELLED from its own task). */
static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Loading *loading = user_data;
  CpIconCache *self = CP_ICON_CACHE (source);
  LoadData *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);

  /* Unless a newer load of the same icon took its place. */
  if (g_hash_table_lookup (self->loading, loading->key) == loading)
    g_hash_table_remove (self->loading, loading->key);
  if (g_hash_table_lookup (self->downloading, loading->url) == loading)
    g_hash_table_remove (self->downloading, loading->url);
  if (texture != NULL)
    remember_texture (self, load->url, load->size, texture);
  for (guint i = 0; i < loading->waiters->len; i++)
    {
      GTask *task = ((Waiter *) loading->waiters->pdata[i])->task;

      if (texture != NULL)
        g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
    }
  /* The other sizes read the file this download left, or download
   * themselves if it failed. */
  for (guint i = 0; i < loading->followers->len; i++)
    start_work (loading->followers->pdata[i]);
  loading_free (loading);
}

/* Reads the icon from the disk cache, or downloads it. */
static void
start_work (Loading *loading)
{
  CpIconCache *self = loading->cache;
  LoadData *load = g_new0 (LoadData, 1);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, loading->url, -1);
  g_autoptr(SoupMessage) message = NULL;
  GTask *inner;

  loading->leader = NULL;
  load->url = g_strdup (loading->url);
  load->size = loading->size;
  load->path = g_build_filename (self->directory, hash, NULL);
  /* The callers' tasks get the texture; this one does the work. */
  inner = g_task_new (self, loading->cancellable, loaded_cb, loading);
  g_task_set_task_data (inner, load, load_data_free);
  if (g_file_test (load->path, G_FILE_TEST_IS_REGULAR))
    {
      g_task_run_in_thread (inner, decode_thread);
      g_object_unref (inner);
      return;
    }
  message = soup_message_new_from_uri (SOUP_METHOD_GET, loading->uri);
  g_hash_table_replace (self->downloading, g_strdup (loading->url), loading);
  /* read_cb owns inner from here. */
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_LOW, loading->cancellable, read_cb, inner);
}

void
cp_icon_cache_load_async (CpIconCache         *self,
                          const char          *url,
                          int                  size,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  Loading *loading;
  Loading *leader;
  g_autofree char *key = NULL;
  g_autoptr(GUri) uri = NULL;
  GdkTexture *texture;

  g_return_if_fail (CP_IS_ICON_CACHE (self));
  g_return_if_fail (size > 0);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, cp_icon_cache_load_async);
  texture = cp_icon_cache_lookup (self, url, size);
  if (texture != NULL)
    {
      g_task_return_pointer (outer, g_object_ref (texture), g_object_unref);
      return;
    }
  uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_task_return_new_error (outer, CP_ERROR, CP_ERROR_INVALID_DATA, _("The icon address is not usable"));
      return;
    }
  key = texture_key (url, size);
  loading = g_hash_table_lookup (self->loading, key);
  /* Work whose callers all cancelled is ending: a new caller starts anew. */
  if (loading != NULL && !g_cancellable_is_cancelled (loading->cancellable))
    {
      add_waiter (loading, outer);
      return;
    }
  loading = g_new0 (Loading, 1);
  loading->cache = self;
  loading->key = g_steal_pointer (&key);
  loading->url = g_strdup (url);
  loading->uri = g_uri_ref (uri);
  loading->size = bounded_size (size);
  loading->waiters = g_ptr_array_new_with_free_func (waiter_free);
  loading->followers = g_ptr_array_new ();
  loading->cancellable = g_cancellable_new ();
  g_hash_table_replace (self->loading, g_strdup (loading->key), loading);
  add_waiter (loading, outer);

  /* A caller cancelled already starts the work too: it ends at once. */
  leader = g_hash_table_lookup (self->downloading, loading->url);
  if (leader != NULL && !g_cancellable_is_cancelled (leader->cancellable) &&
      !g_cancellable_is_cancelled (loading->cancellable))
    {
      loading->leader = leader;
      g_ptr_array_add (leader->followers, loading);
    }
  else
    start_work (loading);
}

GdkTexture *
cp_icon_cache_load_finish (CpIconCache   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GdkTexture *
cp_icon_cache_lookup (CpIconCache *self,
                      const char  *url,
                      int          size)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (CP_IS_ICON_CACHE (self), NULL);
  g_return_val_if_fail (size > 0, NULL);

  if (url == NULL)
    return NULL;
  key = texture_key (url, size);
  return g_hash_table_lookup (self->textures, key);
}

const char *
cp_icon_cache_get_directory (CpIconCache *self)
{
  g_return_val_if_fail (CP_IS_ICON_CACHE (self), NULL);
  return self->directory;
}

int
cp_icon_cache_image_size (GtkImage *image)
{
  int pixel_size;

  g_return_val_if_fail (GTK_IS_IMAGE (image), 0);

  /* An image sized by its CSS instead gets the largest size kept: never blurred. */
  pixel_size = gtk_image_get_pixel_size (image);
  if (pixel_size <= 0)
    return MAX_ICON_PIXELS;
  return pixel_size * gtk_widget_get_scale_factor (GTK_WIDGET (image));
}

static void
cp_icon_cache_finalize (GObject *object)
{
  CpIconCache *self = CP_ICON_CACHE (object);

  g_clear_object (&self->session);
  g_free (self->directory);
  g_queue_clear (&self->order);   /* the urls belong to the table */
  g_hash_table_unref (self->textures);
  g_hash_table_unref (self->loading);   /* empty: each load holds the cache */
  g_hash_table_unref (self->downloading);
  g_mutex_clear (&self->trim_lock);

  G_OBJECT_CLASS (cp_icon_cache_parent_class)->finalize (object);
}

static void
cp_icon_cache_class_init (CpIconCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_icon_cache_finalize;
}

static void
cp_icon_cache_init (CpIconCache *self)
{
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->downloading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->trim_lock);
}

CpIconCache *
cp_icon_cache_new (SoupSession *session,
                   const char  *directory,
                   guint64      max_bytes)
{
  CpIconCache *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);

  self = g_object_new (CP_TYPE_ICON_CACHE, NULL);
  self->session = g_object_ref (session);
  self->directory = directory != NULL ? g_strdup (directory)
                                      : g_build_filename (g_get_user_cache_dir (), "company-portal", "icons", NULL);
  self->max_bytes = max_bytes;
  return self;
}
