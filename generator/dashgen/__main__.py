from dashgen.cli.quick_exit import run

if __name__ == "__main__":
    run()
