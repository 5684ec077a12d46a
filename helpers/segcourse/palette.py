"""The course's colours: one palette for labels, one pair for categorical overlays.

LABEL_COLORS: label id 1 gets colour 0, id 2 colour 1, ... (ids beyond 255 wrap around); background (0) is black or
transparent. The first seven are the Okabe-Ito colours (Okabe & Ito, "Color Universal Design", 2002), distinct for
the common colour-vision deficiencies. The rest were made once, offline, with the glasbey package:

    glasbey.extend_palette(LABEL_COLORS[:7], palette_size=255, colorblind_safe=True,
                           lightness_bounds=(45, 90), chroma_bounds=(40, 100))

(no dark colours, so that no label disappears on a black background), and are stored here so that nothing is
computed or downloaded when a lesson runs.
"""

OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}

# Two-class and three-class overlays (e.g. false negatives vs false positives): never red against green.
CATEGORY_COLORS = {"first": OKABE_ITO["blue"], "second": OKABE_ITO["vermillion"], "third": OKABE_ITO["yellow"]}

LABEL_COLORS = (
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#8affe3", "#ef00f7",
    "#ffaefb", "#00a200", "#65be8e", "#289a96", "#b269a2", "#4defff", "#698aff", "#39d241", "#a6eb9e",
    "#c67949", "#10cabe", "#be9eff", "#e78abe", "#3da679", "#ff61e7", "#fba671", "#5d9ac2", "#ba9600",
    "#00e3ba", "#65ae55", "#e7b600", "#fb00be", "#79c2e3", "#9e6dce", "#00b296", "#00f765", "#ffe786",
    "#b682c6", "#79e3db", "#00df82", "#9affff", "#ba8231", "#df18c6", "#51aeff", "#2db2ba", "#ba79ff",
    "#ffa6db", "#e38e49", "#dbce65", "#00fbba", "#df9adb", "#599651", "#24ba00", "#d200ff", "#a2ba65",
    "#6de300", "#ef65ff", "#c66da6", "#968a28", "#f38eff", "#ff5dca", "#49c6aa", "#18dbdf", "#7dd7a6",
    "#2dae71", "#1892ce", "#aaffc6", "#ff08e7", "#c2ae35", "#71a6d2", "#c6b6ff", "#00caff", "#b265ba",
    "#96ff8a", "#9a96df", "#df61c6", "#ffa649", "#289a86", "#2896a6", "#f36d04", "#31c671", "#d286c2",
    "#00dfff", "#c296df", "#00b6aa", "#aad27d", "#39ff31", "#c26ddf", "#00ffeb", "#ffc639", "#a65dff",
    "#828adf", "#aace45", "#ae963d", "#14c6ce", "#d751a6", "#86ebca", "#00a6df", "#7db641", "#69d2c2",
    "#69a62d", "#ff82d7", "#08f38a", "#c6ff6d", "#ca41d7", "#c6fbaa", "#00a641", "#59df65", "#ff8200",
    "#9ac200", "#b6eb61", "#df69df", "#db7535", "#db35b2", "#24d2a2", "#00f3d2", "#18b68a", "#d2e386",
    "#96bafb", "#caba59", "#75ca8a", "#9aceff", "#ce51f7", "#c6db04", "#20eb9e", "#69f3f3", "#d751d2",
    "#0c8aff", "#ff92f3", "#c275b2", "#ceff00", "#ebe769", "#8692ff", "#be8204", "#96fbd2", "#ba6596",
    "#ff9ee7", "#f700ce", "#92b208", "#be6d2d", "#41ffaa", "#7186c2", "#a29aff", "#6db271", "#45ce61",
    "#db82d7", "#dba6ef", "#eb59b6", "#9a82ca", "#c686f3", "#00a6b6", "#8ee7b2", "#31a69a", "#757de3",
    "#1cca00", "#7dd2eb", "#ff8e41", "#7d9a49", "#00dbce", "#7ddfe7", "#92aae7", "#00a686", "#96e779",
    "#b6a64d", "#c65db6", "#e38e24", "#00e745", "#14db0c", "#00c255", "#1496ba", "#a66deb", "#ffba71",
    "#51baba", "#ff3dce", "#eb79ef", "#00a6ff", "#92db96", "#df5dff", "#31a6a6", "#ff8ece", "#8ee745",
    "#00ebb2", "#00a265", "#4dbeae", "#fb7de3", "#eb9a61", "#ff28fb", "#96c24d", "#969200", "#ffd271",
    "#61b6ce", "#df79b6", "#00ffce", "#55a65d", "#51be9a", "#d2864d", "#82b2ff", "#00db96", "#08c6e7",
    "#96dfff", "#e3c241", "#86a600", "#799eeb", "#bea6ef", "#619624", "#8eff55", "#65cace", "#209ae7",
    "#8affef", "#86efdf", "#ffd200", "#00ba39", "#be4de3", "#00d2e7", "#df8aff", "#ba86db", "#82ce75",
    "#b275b6", "#2dff86", "#e7b2ff", "#14ae04", "#db55b6", "#82b665", "#55aac2", "#9efb00", "#df92e7",
    "#00be7d", "#b2750c", "#b6ce14", "#e700df", "#a682e3", "#f74ddb", "#ef71d2", "#96efff", "#aad265",
    "#75dfca", "#d28624", "#eb9ad2", "#7dff9e", "#00d7b6", "#7975ff", "#14c639", "#9e79ff", "#df6d14",
    "#dfb235", "#ff51f3", "#aea631", "#00aace", "#ffe70c", "#71d7b2", "#00e7df", "#69caf7", "#c6a200",
    "#eb08ae", "#dba249", "#00ba65",
)
