"""PyInstaller runtime hook (see build.spec): runs before app/main.py in the frozen desktop.

sync/resources.py finds resources/ beside the packages in a checkout; in a frozen build they are
bundled under the app's data folder (sys._MEIPASS/resources), so point FSP_RESOURCES there unless
the user already set it.
"""

import os
import sys

if getattr(sys, "frozen", False):
    os.environ.setdefault("FSP_RESOURCES", os.path.join(sys._MEIPASS, "resources"))
