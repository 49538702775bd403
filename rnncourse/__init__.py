"""rnncourse: the helper package behind the Korean RNN course notebooks."""
from rnncourse.env import about, device, seed_everything, setup, use_korean_font, versions

__all__ = ["about", "device", "seed_everything", "setup", "use_korean_font", "versions"]
__version__ = "0.1.0"
