"""rnncourse: the helper package behind the Korean RNN course notebooks."""
from rnncourse.claims import claim
from rnncourse.progress import progress
from rnncourse.env import about, device, generator, rng, seed, seed_everything, setup, use_korean_font, versions

__all__ = ["about", "claim", "device", "generator", "rng", "seed", "seed_everything", "setup", "use_korean_font",
           "versions"]
__version__ = "0.1.0"
