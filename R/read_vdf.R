# Vensim's binary results (.vdf).  The format is undocumented; this
# reader follows the structure described by the reverse-engineering notes
# of the simlin project (docs/design/vdf.md there), checked here against
# Vensim's own runs of WORLD3-03 and C-LEARN whose series are known.
#
#   header (128 bytes)  0x58: offset of the final values (after one class
#                       code byte per series), 0x5C: their end, 0x60: the
#                       offset table, 0x78: the number of saved times
#   sections            each starts with the bytes A1 37 4C BF; section 1
#                       holds 64-byte variable records (two 0xF6800000
#                       words at fields 8 and 9), section 2 the name table
#                       (length-prefixed strings)
#   offset table        one word per series: the file offset of its data
#                       block, or (below the first block) the series'
#                       constant value as a float
#   data block          a u16 count, a bitmap of the saved times it holds,
#                       then that many floats; times not in the bitmap
#                       repeat the value before them
#
# A record names its variable (field 2: the name's place in the name
# table, in 4-byte units from 30 bytes before it) and its first series
# (field 11; an array's elements follow one another in subscript order,
# field 6 is 5 for a scalar).  The time settings TIME STEP and SAVEPER
# may have no record: they take the series left over, in alphabetical
# order as Vensim orders series.  Lookup definitions have records too,
# whose series field means something else: the model file (named in the
# header, looked for beside the .vdf) tells them apart and gives arrays
# their element names.

#' Read Vensim's binary results file (.vdf)
#'
#' Decodes a `.vdf` file that Vensim wrote for a run (or a dataset) into
#' a data frame like [simulate()]'s.  The series are read exactly as
#' stored (Vensim stores single-precision values).  The model the run was
#' made from, named in the file's header, is read from beside the file
#' when present (or give it as `model`): it tells lookup definitions from
#' variables and gives arrays their element names (without it, elements
#' are numbered).
#'
#' @param path Path to the `.vdf` file.
#' @param model Optional: the model the run was made from (an
#'   `sdvm_model`, or the path of its `.mdl`).
#' @return A data frame: `time`, then one column per saved variable (array
#'   elements as `Name[a,b]`), named as Vensim names them.
#' @seealso [read_vensim_data()], which reads `.vdf` files among Vensim's
#'   other data formats, and [simulate()]'s `data`.
#' @export
read_vdf <- function(path, model = NULL) {
  series_frame(vdf_series(path, model))
}

# The series of a .vdf file as a named list of list(x, y).
# `skip` is a model file not to read as the run's model (the one whose
# GET VDF call is reading this file: reading it again would recurse).
vdf_series <- function(path, model = NULL, skip = NULL) {
  v <- vdf_parse(path)
  if (is.null(model)) model <- vdf_model(path, v$source, skip)
  if (is.character(model)) model <- tryCatch(read_vensim(model), error = function(e) NULL)
  cols <- vdf_columns(v, model)
  out <- lapply(cols$ot, function(k) list(x = v$time, y = v$series[, k]))
  names(out) <- cols$name
  # constants are stored once; a series with one value holds it throughout
  out
}

# The model file a .vdf names in its header ("... From name.mdl"), beside it.
vdf_model <- function(path, source, skip = NULL) {
  f <- if (length(source) && !is.na(source) && nzchar(source)) file.path(dirname(path), basename(source)) else ""
  if (!file.exists(f) || tolower(tools::file_ext(f)) != "mdl") {
    # else the one model file beside it
    mdl <- list.files(dirname(path), pattern = "\\.mdl$", full.names = TRUE, ignore.case = TRUE)
    if (length(skip)) mdl <- mdl[normalizePath(mdl) != normalizePath(skip, mustWork = FALSE)]
    if (length(mdl) != 1) return(NULL)
    f <- mdl
  }
  f <- normalizePath(f)
  if (length(skip) && f == normalizePath(skip, mustWork = FALSE)) return(NULL)
  # models whose GET VDF calls read each other's runs: each read once
  if (f %in% vdf_reading$files) return(NULL)
  vdf_reading$files <- c(vdf_reading$files, f)
  on.exit(vdf_reading$files <- setdiff(vdf_reading$files, f))
  tryCatch(read_vensim(f), error = function(e) NULL)
}

vdf_reading <- new.env(parent = emptyenv())

vdf_fail <- function(path, what)
  sdvm_abort(sprintf("'%s' is not a Vensim .vdf file Vensim wrote for a run (%s).", path, what),
             "sdvm_io_error", file = path)

# Everything of a .vdf needed to name its series.
vdf_parse <- function(path) {
  if (!is.character(path) || length(path) != 1 || !file.exists(path))
    sdvm_abort(sprintf("Cannot read '%s': no such file.", paste(format(path), collapse = " ")),
               "sdvm_io_error", file = if (is.character(path)) path[1] else NA_character_)
  size <- file.size(path)
  raw <- readBin(path, "raw", size)
  if (size < 256 || !identical(raw[1:4], as.raw(c(0x7f, 0xf7, 0x17, 0x52))))
    vdf_fail(path, if (size >= 4 && identical(raw[1:4], as.raw(c(0x7f, 0xf7, 0x17, 0x41))))
      paste("it is a Vensim dataset, whose time base sdvm cannot read; export it from Vensim as a",
            ".tab or .dat file") else "its first bytes are not those of a .vdf")
  u32 <- function(off, n = 1L) {
    x <- readBin(raw[off + seq_len(4L * n)], "integer", n, size = 4, endian = "little")
    ifelse(x < 0, as.double(x) + 2^32, as.double(x))
  }
  ntime <- u32(0x78)
  fv <- u32(0x58); lm <- u32(0x5C); ot <- u32(0x60)
  n_ot <- (lm - fv) / 4
  if (!(n_ot >= 1 && n_ot == floor(n_ot) && ot + 4 * n_ot <= size && ntime >= 1 && ntime < 1e8))
    vdf_fail(path, "its header does not describe its series")
  header <- rawToChar(raw[5:80][raw[5:80] != as.raw(0)])
  source <- sub("^.*\\) From ", "", header)
  secs <- grepRaw(as.raw(c(0xa1, 0x37, 0x4c, 0xbf)), raw, all = TRUE) - 1L
  if (length(secs) < 4) vdf_fail(path, "it has fewer than four sections")

  # series: blocks of floats over the bitmap of the saved times, or a
  # constant in the offset table itself
  offs <- u32(ot, n_ot)
  first <- offs[1]
  bm <- (ntime + 7) %/% 8
  series <- matrix(NA_real_, ntime, n_ot)
  as_float <- function(w) readBin(writeBin(as.integer(ifelse(w >= 2^31, w - 2^32, w)), raw()), "numeric",
                                  length(w), size = 4, endian = "little")
  for (k in seq_len(n_ot)) {
    o <- offs[k]
    if (o >= first && o + 2 + bm <= size) {
      cnt <- readBin(raw[o + 1:2], "integer", 1, size = 2, signed = FALSE, endian = "little")
      bits <- as.logical(rawToBits(raw[o + 2 + seq_len(bm)]))[seq_len(ntime)]
      if (sum(bits) != cnt || o + 2 + bm + 4 * cnt > size) vdf_fail(path, sprintf("series %d is damaged", k))
      vals <- readBin(raw[o + 2 + bm + seq_len(4 * cnt)], "numeric", cnt, size = 4, endian = "little")
      idx <- cumsum(bits)
      idx[idx == 0] <- NA
      series[, k] <- vals[idx]
    } else {
      series[, k] <- as_float(o)
    }
  }
  time <- series[, 1]

  # the name table: its first name's length is in the section header
  s2 <- secs[3]; e2 <- secs[4]
  n0 <- u32(s2 + 20) %/% 65536
  names <- character(); at <- integer()
  first_name <- raw[s2 + 24 + seq_len(n0)]
  names <- rawToChar(first_name[first_name != as.raw(0)]); at <- 0L
  i <- s2 + 24 + n0
  while (i + 2 <= e2) {
    L <- readBin(raw[i + 1:2], "integer", 1, size = 2, signed = FALSE, endian = "little")
    o <- i - (s2 + 24)
    i <- i + 2
    if (L == 0) next
    if (i + L > e2) break
    b <- raw[i + seq_len(L)]
    b <- b[seq_len(match(as.raw(0), b, nomatch = L + 1L) - 1L)]
    nm <- rawToChar(b)
    Encoding(nm) <- "latin1"
    names <- c(names, enc2utf8(nm)); at <- c(at, o)
    i <- i + L
  }

  # the records: 16 words with the sentinel at fields 8 and 9 (the time
  # settings' records have 0 at field 8); each must name a name below
  s1 <- secs[2] + 24
  nw <- (secs[3] - s1) %/% 4
  w <- u32(s1, nw)
  sent <- 4135583744                                  # 0xF6800000
  # Fields 8 and 9 hold the range annotation's minimum and maximum, the
  # word 0xF6800000 when there is none: records with neither are found by
  # it, and set the 64-byte grids the others lie on (a record is on one,
  # names a name and a first series, and has a shape in field 6).
  anchor <- which(w[9:(nw - 7)] == sent & w[10:(nw - 6)] == sent)
  if (!length(anchor)) vdf_fail(path, "it has no variable records")
  j <- seq_len(nw - 16)
  j <- j[j %% 16 %in% unique(anchor %% 16)]
  recs <- data.frame(f1 = w[j + 1], f2 = w[j + 2], f6 = w[j + 6], f11 = w[j + 11])
  recs$name <- names[match(recs$f2 * 4 - 30, at)]
  # shapes: 5 a scalar, 32 an array, else an array shape's index in
  # section 3 (entries of 27 words after 25 zeros)
  s3 <- secs[4] + 24
  n3 <- (secs[5] - s3) %/% 4
  w3 <- if (n3 > 25) u32(s3, n3) else numeric()
  shapes <- if (n3 > 25) w3[seq(26, n3, by = 27)] else numeric()
  recs <- recs[!is.na(recs$name) & recs$f11 < n_ot & recs$f6 %in% c(5, 32, shapes[shapes > 0]), ]
  recs <- recs[!duplicated(recs$f2), ]
  list(path = path, time = time, series = series, n_ot = n_ot, codes = as.integer(raw[fv - n_ot + seq_len(n_ot)]),
       names = names, recs = recs, source = source)
}

# Which series each output column is: data.frame(name, ot), in the
# order of the file's series.
vdf_columns <- function(v, model) {
  recs <- v$recs
  key <- canon_name(gsub('^"|"$', "", recs$name))
  info <- if (!is.null(model)) vdf_model_info(model) else NULL
  if (!is.null(info)) {
    # lookup definitions' records do not point at series of their own
    recs <- recs[!key %in% info$lookups, ]
    key <- canon_name(gsub('^"|"$', "", recs$name))
  }
  recs$ot <- recs$f11 + 1
  recs <- recs[recs$ot >= 2 & recs$ot <= v$n_ot, ]
  key <- canon_name(gsub('^"|"$', "", recs$name))
  # a series claimed twice: without the model, a lookup definition's
  # record is told by its name (lookups are mostly named "... table" or
  # "... LOOKUP"), else the first claimant keeps it
  lookupish <- grepl("(table|lookup)$", recs$name, ignore.case = TRUE)
  o <- order(recs$ot, lookupish, seq_len(nrow(recs)))
  recs <- recs[o, ]; key <- key[o]
  keep <- !duplicated(recs$ot)
  recs <- recs[keep, ]; key <- key[keep]
  starts <- sort(recs$ot)
  cols <- list()
  for (r in seq_len(nrow(recs))) {
    nm <- gsub('^"|"$', "", recs$name[r])
    if (recs$f6[r] == 5) {
      cols[[length(cols) + 1L]] <- data.frame(name = nm, ot = recs$ot[r])
      next
    }
    # an array: its elements from the model, else numbered up to the next
    # variable's first series
    el <- if (!is.null(info)) info$elements[[key[r]]]
    n <- if (length(el)) length(el) else {
      nxt <- starts[starts > recs$ot[r]]
      (if (length(nxt)) nxt[1] else v$n_ot + 1) - recs$ot[r]
    }
    n <- min(n, v$n_ot + 1 - recs$ot[r])
    if (!length(el)) el <- as.character(seq_len(n))
    cols[[length(cols) + 1L]] <- data.frame(name = sprintf("%s[%s]", nm, el[seq_len(n)]),
                                            ot = recs$ot[r] + seq_len(n) - 1L)
  }
  cols <- do.call(rbind, cols)
  if (is.null(cols)) cols <- data.frame(name = character(), ot = integer())
  # time settings without records take the series left over, alphabetically
  left <- setdiff(seq(2, v$n_ot), cols$ot)
  ctl <- setdiff(intersect(c("FINAL TIME", "INITIAL TIME", "SAVEPER", "TIME STEP"), v$names), cols$name)
  if (length(left) && length(ctl)) {
    ctl <- sort(ctl, method = "radix")
    n <- min(length(left), length(ctl))
    cols <- rbind(cols, data.frame(name = ctl[seq_len(n)], ot = left[seq_len(n)]))
  }
  cols <- cols[!duplicated(cols$ot), ]
  cols[order(cols$ot), ]
}

# What a model tells about a .vdf of its runs: its lookups' canonical
# names, and each arrayed variable's element tuples ("a,b") by canonical
# name, in subscript (row-major) order.
vdf_model_info <- function(m) {
  lookups <- character(); elements <- list()
  for (v in m$vars) {
    k <- canon_name(v$name)
    if (identical(v$kind, "lookup")) lookups <- c(lookups, k)
    if (length(v$subs) && is.null(elements[[k]])) {
      # the variable's dimensions: its first definition's ranges (an
      # element stands for the range holding it)
      dims <- vapply(v$subs, function(s) vdf_range_of(m$dims, s), "")
      if (all(nzchar(dims))) {
        tuples <- def_elements(dims, m$dims)
        elements[[k]] <- apply(tuples, 1, paste, collapse = ",")
      }
    }
  }
  list(lookups = lookups, elements = elements)
}

# The largest range holding element or range s (its name), or "".
vdf_range_of <- function(dims, s) {
  s <- sub("!$", "", s)
  keys <- canon_name(names(dims))
  k <- match(canon_name(s), keys)
  hold <- which(vapply(dims, function(d) canon_name(s) %in% canon_name(d), NA))
  if (!is.na(k)) {
    # a subrange: the largest range that holds all its elements
    sup <- which(vapply(dims, function(d) all(canon_name(dims[[k]]) %in% canon_name(d)), NA))
    return(names(dims)[sup[which.max(lengths(dims[sup]))]])
  }
  if (!length(hold)) return("")
  names(dims)[hold[which.max(lengths(dims[hold]))]]
}

