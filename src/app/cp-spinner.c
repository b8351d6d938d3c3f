/* cp-spinner.c: a busy indicator drawn without an icon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkSpinner draws Adwaita's process-working-symbolic, which the theme ships
 * only as SVG: the first spinner on screen loads librsvg on the main thread
 * (about 40 M instructions before the "Connecting" page's first frame, and
 * 7 MB resident for as long as the window runs). This one strokes an arc in
 * the text colour and turns it once a second while it is mapped and spinning.
 * Like GtkSpinner it keeps its size when stopped and draws nothing then.
 */
#include "config.h"

#include <math.h>

#include "cp-spinner.h"

#define DEFAULT_SIZE   16
#define TURN_USEC      (G_USEC_PER_SEC)
#define ARC_FRACTION   0.75

struct _CpSpinner
{
  GtkWidget  parent_instance;

  gboolean   spinning;
  guint      tick_id;
};

G_DEFINE_FINAL_TYPE (CpSpinner, cp_spinner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SPINNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* Turning costs a frame per refresh: only while it can be seen. */
static void
update_ticking (CpSpinner *self)
{
  gboolean wanted = self->spinning && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (wanted && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
  else if (!wanted && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

static double
current_angle (CpSpinner *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  gint64 now = clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();

  return 2 * G_PI * (double) (now % TURN_USEC) / TURN_USEC;
}

static void
cp_spinner_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  CpSpinner *self = CP_SPINNER (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double size = MIN (width, height);
  double line = MAX (1.5, size / 8);
  double start = current_angle (self);
  GdkRGBA color;
  cairo_t *cr;

  if (!self->spinning || size <= line)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS  /* gtk_widget_get_color() is GTK 4.10 */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, line);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  /* A faint full ring under the turning arc, as Adwaita's spinner looks. */
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.15);
  cairo_arc (cr, width / 2.0, height / 2.0, (size - line) / 2, 0, 2 * G_PI);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, width / 2.0, height / 2.0, (size - line) / 2, start, start + ARC_FRACTION * 2 * G_PI);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
cp_spinner_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  *minimum = *natural = DEFAULT_SIZE;
}

static void
cp_spinner_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cp_spinner_parent_class)->map (widget);
  update_ticking (CP_SPINNER (widget));
}

static void
cp_spinner_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cp_spinner_parent_class)->unmap (widget);
  update_ticking (CP_SPINNER (widget));
}

static void
cp_spinner_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SPINNING:
      g_value_set_boolean (value, CP_SPINNER (object)->spinning);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_spinner_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SPINNING:
      cp_spinner_set_spinning (CP_SPINNER (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_spinner_class_init (CpSpinnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cp_spinner_get_property;
  object_class->set_property = cp_spinner_set_property;
  widget_class->snapshot = cp_spinner_snapshot;
  widget_class->measure = cp_spinner_measure;
  widget_class->map = cp_spinner_map;
  widget_class->unmap = cp_spinner_unmap;

  properties[PROP_SPINNING] =
    g_param_spec_boolean ("spinning", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "cpspinner");
  /* What GtkSpinner is to assistive technologies. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
}

static void
cp_spinner_init (CpSpinner *self)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, FALSE, -1);
}

GtkWidget *
cp_spinner_new (void)
{
  return g_object_new (CP_TYPE_SPINNER, NULL);
}

void
cp_spinner_set_spinning (CpSpinner *self,
                         gboolean   spinning)
{
  g_return_if_fail (CP_IS_SPINNER (self));

  spinning = !!spinning;
  if (self->spinning == spinning)
    return;
  self->spinning = spinning;
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, spinning, -1);
  update_ticking (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPINNING]);
}

gboolean
cp_spinner_get_spinning (CpSpinner *self)
{
  g_return_val_if_fail (CP_IS_SPINNER (self), FALSE);

  return self->spinning;
}
