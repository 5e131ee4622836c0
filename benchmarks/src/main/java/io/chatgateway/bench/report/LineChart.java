package io.chatgateway.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A PNG line chart drawn with Java2D (headless): one line per series, points marked, a legend. The x
 * axis is either numeric or, with {@link #categories}, evenly spaced labels such as percentiles.
 * Not thread-safe; build, then {@link #write}.
 */
public final class LineChart {

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)
  };
  private static final int WIDTH = 900;
  private static final int HEIGHT = 520;
  private static final int LEFT = 90;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;

  private record Series(String name, double[] x, double[] y) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private List<String> categories;

  public LineChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** Makes the x axis categorical: series x values are indexes into {@code labels}. */
  public LineChart categories(List<String> labels) {
    this.categories = List.copyOf(labels);
    return this;
  }

  public LineChart series(String name, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x and y differ in length for " + name);
    }
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  public void write(Path file) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);

    double minX = categories != null ? 0 : Double.MAX_VALUE;
    double maxX = categories != null ? Math.max(1, categories.size() - 1) : -Double.MAX_VALUE;
    double maxY = 0;
    for (Series s : series) {
      for (int i = 0; i < s.x.length; i++) {
        if (categories == null) {
          minX = Math.min(minX, s.x[i]);
          maxX = Math.max(maxX, s.x[i]);
        }
        if (Double.isFinite(s.y[i])) {
          maxY = Math.max(maxY, s.y[i]);
        }
      }
    }
    if (minX >= maxX) {
      minX = minX == Double.MAX_VALUE ? 0 : minX - 1;
      maxX = minX + 2;
    }
    maxY = niceCeiling(maxY == 0 ? 1 : maxY * 1.1);
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, LEFT, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawRect(LEFT, TOP, plotW, plotH);
    for (int t = 0; t <= 5; t++) {
      double value = maxY * t / 5;
      int y = TOP + plotH - (int) Math.round(plotH * t / 5.0);
      g.setColor(new Color(0xdddddd));
      g.drawLine(LEFT + 1, y, LEFT + plotW - 1, y);
      g.setColor(Color.BLACK);
      String label = format(value);
      g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    if (categories != null) {
      for (int i = 0; i < categories.size(); i++) {
        int x = xPixel(i, minX, maxX, plotW);
        g.drawString(categories.get(i), x - g.getFontMetrics().stringWidth(categories.get(i)) / 2, TOP + plotH + 18);
      }
    } else {
      for (int t = 0; t <= 5; t++) {
        double value = minX + (maxX - minX) * t / 5;
        int x = xPixel(value, minX, maxX, plotW);
        String label = format(value);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
      }
    }
    g.drawString(xLabel, LEFT + plotW / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, HEIGHT - 25);
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.rotate(-Math.PI / 2);
    rotated.drawString(yLabel, -(TOP + plotH / 2 + rotated.getFontMetrics().stringWidth(yLabel) / 2), 20);
    rotated.dispose();

    for (int s = 0; s < series.size(); s++) {
      Series line = series.get(s);
      g.setColor(PALETTE[s % PALETTE.length]);
      g.setStroke(new BasicStroke(2.2f));
      int previousX = -1;
      int previousY = -1;
      for (int i = 0; i < line.x.length; i++) {
        if (!Double.isFinite(line.y[i])) {
          continue;
        }
        int x = xPixel(line.x[i], minX, maxX, plotW);
        int y = TOP + plotH - (int) Math.round(plotH * line.y[i] / maxY);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (previousX >= 0) {
          g.drawLine(previousX, previousY, x, y);
        }
        previousX = x;
        previousY = y;
      }
      g.fillRect(LEFT + 12, TOP + 12 + s * 18, 14, 10);
      g.setColor(Color.BLACK);
      g.drawString(line.name, LEFT + 32, TOP + 22 + s * 18);
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static int xPixel(double value, double minX, double maxX, int plotW) {
    int margin = 20;
    return LEFT + margin + (int) Math.round((plotW - 2 * margin) * (value - minX) / (maxX - minX));
  }

  private static double niceCeiling(double value) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String format(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e9) {
      return String.format(Locale.ROOT, "%,d", (long) value);
    }
    return String.format(Locale.ROOT, Math.abs(value) < 10 ? "%.2f" : "%.1f", value);
  }
}
