"""Cinder backend for the capo-ts all-in-one: Cinder's fake driver, plus volumes created from images.

The fake driver stores nothing, but inherits the LVM driver's image copy, which writes the image onto a
device-mapper node that does not exist here. Volumes from images (CAPO's root volumes) then fail with
"Failed to copy image to volume". Nothing is stored, so there is nothing to copy.
"""
from oslo_log import log as logging

from cinder.tests import fake_driver

LOG = logging.getLogger(__name__)


class FakeImageVolumeDriver(fake_driver.FakeLoggingVolumeDriver):
    def copy_image_to_volume(self, context, volume, image_service, image_id, disable_sparse=False):
        LOG.info("fake copy of image %s to volume %s", image_id, volume.id)

    def copy_image_to_encrypted_volume(self, context, volume, image_service, image_id):
        LOG.info("fake copy of image %s to encrypted volume %s", image_id, volume.id)
