from segcourse.setup_check import check_setup, opencl_device


def test_setup_is_ready_here():
    report = check_setup()
    assert report.ok, repr(report)
    assert "Ready for the course." in repr(report)


def test_opencl_device_is_found():
    assert opencl_device()
