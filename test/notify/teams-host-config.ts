/**
 * A host config close to Microsoft Teams' light theme, so the rendered card and the PNG previews look like what people
 * see in a channel. Fonts fall back to what Debian ships when Segoe UI is absent.
 */
const color = (normal: string, subtle: string) => ({ default: normal, subtle });

function foreground() {
  return {
    default: color("#242424", "#616161"),
    dark: color("#000000", "#484644"),
    light: color("#FFFFFF", "#EEEEEE"),
    accent: color("#4F52B2", "#6264A7"),
    good: color("#237B4B", "#2E8B57"),
    warning: color("#8A5A00", "#A46A00"),
    attention: color("#C4314B", "#D13438"),
  };
}

export const TEAMS_LIKE_HOST_CONFIG = {
  supportsInteractivity: true,
  fontFamily: "'Segoe UI', 'Helvetica Neue', 'Liberation Sans', 'DejaVu Sans', sans-serif",
  fontTypes: {
    default: {
      fontFamily: "'Segoe UI', 'Helvetica Neue', 'Liberation Sans', 'DejaVu Sans', sans-serif",
      fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: "'Cascadia Mono', Consolas, 'DejaVu Sans Mono', monospace",
      fontSizes: { small: 12, default: 13, medium: 15, large: 18, extraLarge: 22 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
  },
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 28, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#E0E0E0" },
  containerStyles: {
    default: { backgroundColor: "#FFFFFF", foregroundColors: foreground() },
    emphasis: { backgroundColor: "#F5F5F5", foregroundColors: foreground() },
    accent: { backgroundColor: "#E8EBFA", foregroundColors: foreground() },
    good: { backgroundColor: "#E7F5EC", foregroundColors: foreground() },
    attention: { backgroundColor: "#FCE8EA", foregroundColors: foreground() },
    warning: { backgroundColor: "#FFF4CE", foregroundColors: foreground() },
  },
  actions: {
    maxActions: 6,
    spacing: "default",
    buttonSpacing: 8,
    showCard: { actionMode: "inline", inlineTopMargin: 16 },
    actionsOrientation: "horizontal",
    actionAlignment: "left",
  },
  factSet: {
    title: { color: "default", size: "default", isSubtle: true, weight: "default", wrap: true, maxWidth: 150 },
    value: { color: "default", size: "default", isSubtle: false, weight: "default", wrap: true },
    spacing: 12,
  },
  imageSizes: { small: 32, medium: 52, large: 100 },
};

/** The page the card is rendered into: a chat-like frame, the renderer's own CSS, Teams-ish buttons. */
export const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>PullGuard card</title>
<style>
  html, body { margin: 0; background: #F0F0F0; }
  body { font-family: 'Segoe UI', 'Helvetica Neue', 'Liberation Sans', 'DejaVu Sans', sans-serif; }
  #frame { width: 620px; padding: 18px 20px 22px; box-sizing: border-box; background: #F0F0F0; }
  #sender { display: flex; align-items: baseline; gap: 8px; margin: 0 0 6px 2px; font-size: 13px; color: #424242; }
  #sender b { font-weight: 600; color: #242424; }
  #card { background: #FFFFFF; border-radius: 6px; overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.14), 0 0 2px rgba(0,0,0,.12); }
  .ac-pushButton { font-family: inherit; font-size: 14px; font-weight: 600; padding: 5px 14px; min-height: 32px;
    border: 1px solid #D1D1D1; border-radius: 4px; background: #FFFFFF; color: #242424; cursor: pointer; }
  .ac-textBlock code { font-family: 'DejaVu Sans Mono', monospace; font-size: 90%; background: #F0F0F0; padding: 0 3px; border-radius: 3px; }
  .ac-textBlock p { margin: 0; }
</style></head>
<body><div id="frame"><div id="sender"><b>PullGuard</b><span>via Workflows</span></div><div id="card"></div></div></body></html>`;

/**
 * Browser-side code, kept as plain JavaScript text (functions handed to page.evaluate would carry the test
 * transpiler's helpers). Defines window.pullguardRender(card, hostConfig) → the renderer's parse and validation
 * events. Markdown is processed the way Teams does it for the subset the card uses: **bold** and `code`.
 */
export const RENDER_SCRIPT = `
(() => {
  const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = escapeHtml(text)
      .replace(/\\*\\*([^*]+)\\*\\*/g, "<strong>$1</strong>")
      .replace(/\`([^\`]+)\`/g, "<code>$1</code>");
    result.didProcess = true;
  };
  window.pullguardRender = (cardJson, hostConfigJson) => {
    const events = [];
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(hostConfigJson);
    const context = new AdaptiveCards.SerializationContext();
    card.parse(cardJson, context);
    for (let i = 0; i < context.eventCount; i++) {
      const e = context.getEventAt(i);
      events.push({ source: "parse", event: AdaptiveCards.ValidationEvent[e.event], message: e.message });
    }
    for (const e of card.validateProperties().validationEvents) {
      events.push({ source: "validate", event: AdaptiveCards.ValidationEvent[e.event], message: e.message });
    }
    const element = card.render();
    if (!element) events.push({ source: "render", event: "Other", message: "render() returned nothing" });
    else document.getElementById("card").appendChild(element);
    return events;
  };
})();
`;
